/**
 * The server under test for `npm run bench:proxy`, in its own process: the whole platform (API,
 * realtime, reconciler, proxy) on an in-memory database, with one pod whose port 8080 is a real
 * upstream process (test/fakes/process-runtime.ts). It signs a client in, runs the browser
 * hand-over to get a pod cookie, and prints one JSON line for the orchestrator:
 * { url, podHost, cookie, upstreamPort }. It runs until SIGTERM.
 */
import http from 'node:http'
import { loadConfig } from '../src/config.js'
import { openPglite } from '../src/db/database.js'
import { startServer } from '../src/platform/server.js'
import { ProcessRuntime } from '../test/fakes/process-runtime.js'

const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  NEUROPOD_LOG_LEVEL: 'warn',
  NEUROPOD_ADMIN_EMAIL: 'admin@bench.local',
  NEUROPOD_ADMIN_PASSWORD: 'bench-admin-password',
  NEUROPOD_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  NEUROPOD_METER_INTERVAL_SECONDS: '3600',
})
const runtime = new ProcessRuntime()
const server = await startServer(config, { database: await openPglite({}), runtime })

async function api(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await server.app.inject({
    method,
    url,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  })
  return { status: res.statusCode, headers: res.headers, body: res.body ? JSON.parse(res.body) : null }
}

const signup = await api('POST', '/api/auth/register', {
  email: 'bench@bench.local',
  password: 'bench-client-password',
  name: 'Bench',
})
const token: string = signup.body.token
const auth = { authorization: `Bearer ${token}` }
const created = await api(
  'POST',
  '/api/pods',
  { name: 'bench', dockerImage: 'bench', gpu: 'cpu', ports: [8080], containerDiskSize: 1, volumeDiskSize: 1 },
  auth,
)
if (created.status !== 201) throw new Error(`pod creation failed: ${JSON.stringify(created.body)}`)
const podId: string = created.body.data.podId
let slug = ''
for (let i = 0; ; i++) {
  const pod = (await api('GET', `/api/pods/${podId}`, undefined, auth)).body.data
  if (pod.status === 'running' && pod.httpServices[0].status === 'ready') {
    slug = pod.slug
    break
  }
  if (i > 400) throw new Error(`pod did not start: ${pod.status} ${pod.statusReason}`)
  await new Promise((r) => setTimeout(r, 50))
}
const podHost = `${slug}-8080.localhost`

// The browser hand-over, as a browser does it: authorize with the platform cookie, then redeem the ticket.
const target = encodeURIComponent(`http://${podHost}/bench`)
const authorize = await api('GET', `/api/proxy/authorize?target=${target}`, undefined, {
  cookie: `neuropod_session=${token}`,
})
const ticketUrl = new URL(String(authorize.headers.location))
const cookie = await new Promise<string>((resolve, reject) => {
  const base = new URL(server.url)
  http
    .get(
      {
        host: base.hostname,
        port: base.port,
        path: ticketUrl.pathname + ticketUrl.search,
        headers: { host: podHost },
      },
      (res) => {
        res.resume()
        const setCookie = res.headers['set-cookie']?.[0]
        if (res.statusCode !== 302 || !setCookie)
          reject(new Error(`ticket exchange failed: ${res.statusCode}`))
        else resolve(setCookie.split(';')[0]!)
      },
    )
    .on('error', reject)
})
const upstream = await runtime.endpoint(podId, 8080)

process.stdout.write(
  `${JSON.stringify({ url: server.url, podHost, cookie, upstreamPort: upstream!.port })}\n`,
)

const stop = async () => {
  await server.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
