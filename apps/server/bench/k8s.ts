/**
 * `npm run bench:k8s` — what watching instead of polling buys on Kubernetes.
 *
 * Runs the whole control plane (NEUROPOD_RUNTIME=kubernetes, embedded database) against the fake
 * API server, creates pods through the public API until BENCH_PODS (default 2,000) run, and then
 * measures, in the same run:
 * 1. steady-state API requests per minute at a tenth of the pods and at all of them (the target:
 *    they do not grow with the number of pods), against the original's polling design (one GET
 *    per pod every 30 s), which is run for one cycle here and counted by the same fake;
 * 2. the time from a status change in the API server to a subscribed socket receiving the pod's
 *    `podUpdate` (target: p95 under 500 ms); polling waits 15 s on average by construction.
 *
 * Environment: BENCH_PODS (2000), BENCH_WINDOW_SECONDS (60), BENCH_LATENCY_SAMPLES (200).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { loadConfig } from '../src/config.js'
import { openPglite } from '../src/db/database.js'
import { startServer } from '../src/platform/server.js'
import { FakeKubeApiServer } from '../test/fakes/kube-api-server.js'
import { connectSocket } from '../test/socket-client.js'

const PODS = Number(process.env.BENCH_PODS ?? 2000)
const WINDOW_S = Number(process.env.BENCH_WINDOW_SECONDS ?? 60)
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200)
const ADMIN = { email: 'bench@neuropod.local', password: 'bench-password-1' }

function log(line: string): void {
  process.stdout.write(`${line}\n`)
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function main(): Promise<void> {
  const fake = await new FakeKubeApiServer({
    kubeletStepMs: 1,
    historyLimit: 200_000,
    podTerminationMs: 1,
  }).start()
  const target = http.createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
  const port = (target.address() as AddressInfo).port

  const database = await openPglite({})
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NEUROPOD_LOG_LEVEL: 'silent',
    NEUROPOD_ADMIN_EMAIL: ADMIN.email,
    NEUROPOD_ADMIN_PASSWORD: ADMIN.password,
    NEUROPOD_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    NEUROPOD_METER_INTERVAL_SECONDS: '3600',
    NEUROPOD_RUNTIME: 'kubernetes',
    KUBECONFIG: fake.kubeconfigPath,
    NEUROPOD_K8S_PROBE_VIA: 'pod-ip',
    POD_DOMAIN: 'pods.bench.local',
  })
  const server = await startServer(config, { database })
  const { db } = server.platform.database

  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN })
  const token = login.json<{ token: string }>().token
  const auth = { authorization: `Bearer ${token}` }

  let created = 0
  const createUpTo = async (n: number) => {
    const started = Date.now()
    const workers = Array.from({ length: 8 }, async () => {
      while (created < n) {
        const i = created++
        const res = await server.app.inject({
          method: 'POST',
          url: '/api/pods',
          headers: auth,
          payload: { name: `bench-${i}`, dockerImage: 'nginx:1.27', gpu: 'cpu', ports: String(port) },
        })
        if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`)
      }
    })
    await Promise.all(workers)
    for (;;) {
      const row = await db
        .selectFrom('pods')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'running')
        .executeTakeFirstOrThrow()
      if (Number(row.n) >= n) break
      await sleep(500)
    }
    log(`  ${n} pods running (${((Date.now() - started) / 1000).toFixed(1)} s to create and start them)`)
  }

  const steadyState = async (label: string, windowS: number) => {
    // Let the last creation's stragglers (probes, events) settle before counting.
    await server.platform.reconciler.idle()
    await sleep(2000)
    const since = Date.now()
    await sleep(windowS * 1000)
    const window = fake.requests.filter((r) => r.at >= since)
    const byVerb = new Map<string, number>()
    for (const r of window)
      byVerb.set(
        `${r.verb} ${r.resource ?? ''}`.trim(),
        (byVerb.get(`${r.verb} ${r.resource ?? ''}`.trim()) ?? 0) + 1,
      )
    const perMinute = (window.length * 60) / windowS
    log(
      `  ${label}: ${window.length} requests in ${windowS} s = ${perMinute.toFixed(1)}/min` +
        (window.length > 0 ? ` (${[...byVerb].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''),
    )
    return perMinute
  }

  log(
    `NeuroPod Kubernetes runtime benchmark: ${PODS} pods, ${WINDOW_S} s windows, ${SAMPLES} latency samples`,
  )
  const small = Math.max(1, Math.round(PODS / 10))
  await createUpTo(small)
  const atSmall = await steadyState(`steady state with ${small} pods`, Math.max(10, Math.round(WINDOW_S / 2)))
  await createUpTo(PODS)
  const atFull = await steadyState(`steady state with ${PODS} pods`, WINDOW_S)

  // The original's monitor: every 30 s, one GET per running pod, all at once.
  const kc = new KubeConfig()
  kc.loadFromFile(fake.kubeconfigPath)
  const core = kc.makeApiClient(CoreV1Api)
  const names = fake.list('pods').map((p) => p.metadata.name as string)
  const pollStart = Date.now()
  await Promise.allSettled(names.map((name) => core.readNamespacedPod({ name, namespace: 'neuropod' })))
  const pollMs = Date.now() - pollStart
  const pollRequests = fake.countRequests({ verb: 'get', resource: 'pods' }, pollStart)
  const polling = pollRequests * 2 // one pass every 30 s
  log(
    `  polling baseline (one GET per pod every 30 s): ${pollRequests} requests per pass (${pollMs} ms) = ${polling}/min`,
  )

  // Latency: the API server changes a pod's status; an admin socket waits for its podUpdate.
  const socket = await connectSocket(server.url, token, new URL(config.publicUrl).origin)
  const waiting = new Map<string, (at: number) => void>()
  socket.on('podUpdate', (e) => {
    if (e.status === 'error') waiting.get(e.podId)?.(performance.now())
  })
  const running = await db
    .selectFrom('pods')
    .select('id')
    .where('status', '=', 'running')
    .limit(SAMPLES)
    .execute()
  const latencies: number[] = []
  for (const { id } of running) {
    const received = new Promise<number>((resolve) => waiting.set(id, resolve))
    const t0 = performance.now()
    fake.terminate(`np-${id}`, { exitCode: 1 })
    const t1 = await Promise.race([received, sleep(10_000).then(() => Number.NaN)])
    waiting.delete(id)
    if (!Number.isNaN(t1)) latencies.push(t1 - t0)
  }
  socket.disconnect()

  const p50 = percentile(latencies, 50)
  const p95 = percentile(latencies, 95)
  log('')
  log('Results')
  log(`  steady-state API requests/min, ${small} pods:  ${atSmall.toFixed(1)}`)
  log(`  steady-state API requests/min, ${PODS} pods: ${atFull.toFixed(1)}  (target: no growth with pods)`)
  log(
    `  polling design, ${PODS} pods:                ${polling}/min  (${(polling / Math.max(atFull, 0.5)).toFixed(0)}× more)`,
  )
  log(
    `  status change → podUpdate on a socket: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms over ${latencies.length} changes (target p95 < 500 ms)`,
  )
  log('  polling design: detection waits up to 30 s (15 s on average) before any update is sent')
  const ok = atFull <= Math.max(atSmall, 1) * 1.5 + 2 && p95 < 500 && latencies.length === running.length
  log(ok ? '  PASS' : '  FAIL')

  await server.close()
  await fake.close()
  await new Promise((r) => target.close(r))
  process.exit(ok ? 0 : 1)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
