/**
 * `npm run bench:proxy`: NeuroPod's pod proxy against the proxies people would otherwise use, in
 * one run on one machine, so that noise largely cancels in the ratios.
 *
 * One upstream HTTP + WebSocket server (a real process); in front of it, each in its own process:
 *   - nothing (direct),
 *   - NeuroPod (the whole platform; a private port, every request authenticated by the pod cookie),
 *   - configurable-http-proxy (JupyterHub's proxy, defaults as JupyterHub runs it),
 *   - nginx (one worker, keep-alive upstream: the data path of ingress-nginx).
 * autocannon (50 connections) runs in a separate process for each measurement; then a WebSocket
 * round-trip comparison. Settings: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 5; JIT warm-up
 * before each measurement), BENCH_CONNECTIONS (50), BENCH_ROUNDS (1), BENCH_WS_MESSAGES (2000), BENCH_STRICT=true exits 1 when a target is missed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const HERE = import.meta.dirname
const require = createRequire(import.meta.url)
const env = process.env
const DURATION = Number(env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50)
const ROUNDS = Number(env.BENCH_ROUNDS ?? 1)
const WS_MESSAGES = Number(env.BENCH_WS_MESSAGES ?? 2000)
const WARMUP = Number(env.BENCH_WARMUP ?? 5)
const STRICT = env.BENCH_STRICT === 'true'

interface LoadResult {
  rps: number
  total: number
  p50: number
  p99: number
  errors: number
  timeouts: number
  non2xx: number
}
interface WsResult {
  p50: number
  p99: number
  mean: number
}
interface Target {
  name: string
  url: string
  wsUrl: string
  headers?: Record<string, string>
  origin?: string
}

const children: ChildProcess[] = []
const tempDirs: string[] = []

function cleanup(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true })
}
process.on('exit', cleanup)
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    cleanup()
    process.exit(130)
  })

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Runs a child to completion and parses its one-line JSON output. */
function runJson<T>(script: string, options: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(HERE, script), JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    children.push(child)
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T)
      } catch (error) {
        reject(error)
      }
    })
  })
}

async function startNeuropod(): Promise<{
  url: string
  podHost: string
  cookie: string
  upstreamPort: number
}> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'neuropod-server.ts')], {
    cwd: path.join(HERE, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve(JSON.parse(line))
    })
    child.on('exit', (code) => reject(new Error(`the NeuroPod server exited with ${code}`)))
  })
}

async function startChp(upstreamPort: number): Promise<number> {
  const port = await freePort()
  const apiPort = await freePort()
  const bin = path.join(
    path.dirname(require.resolve('configurable-http-proxy/package.json')),
    'bin/configurable-http-proxy',
  )
  const child = spawn(
    process.execPath,
    [
      bin,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--api-ip',
      '127.0.0.1',
      '--api-port',
      String(apiPort),
      '--default-target',
      `http://127.0.0.1:${upstreamPort}`,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, CONFIGPROXY_AUTH_TOKEN: 'bench-token' } },
  )
  children.push(child)
  await waitForPort(port)
  return port
}

async function startNginx(upstreamPort: number): Promise<number | null> {
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p))
  if (!nginx) {
    console.warn('nginx not found (apt-get install nginx-light): skipping the nginx comparison')
    return null
  }
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-bench-nginx-'))
  tempDirs.push(dir)
  const user = process.getuid?.() === 0 ? 'user root;' : ''
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `${user}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream pod { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://pod;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
    }
  }
}
`,
  )
  const child = spawn(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.push(child)
  await waitForPort(port)
  return port
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const pad = (s: string, n: number) => s.padEnd(n)
const lpad = (s: string, n: number) => s.padStart(n)

async function main(): Promise<void> {
  const cores = os.cpus().length
  console.log(
    `NeuroPod proxy benchmark — ${os.cpus()[0]?.model ?? 'cpu'} × ${cores}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  const nginxVersion = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
  if (nginxVersion.stderr) console.log(nginxVersion.stderr.trim())
  console.log('Starting NeuroPod (in-memory database, one pod) …')
  const neuropod = await startNeuropod()
  const chpPort = await startChp(neuropod.upstreamPort)
  const nginxPort = await startNginx(neuropod.upstreamPort)
  const np = new URL(neuropod.url)

  const targets: Target[] = [
    {
      name: 'direct (no proxy)',
      url: `http://127.0.0.1:${neuropod.upstreamPort}/bench`,
      wsUrl: `ws://127.0.0.1:${neuropod.upstreamPort}/ws`,
    },
    ...(nginxPort
      ? [
          {
            name: 'nginx (1 worker, keep-alive)',
            url: `http://127.0.0.1:${nginxPort}/bench`,
            wsUrl: `ws://127.0.0.1:${nginxPort}/ws`,
          },
        ]
      : []),
    {
      name: 'configurable-http-proxy',
      url: `http://127.0.0.1:${chpPort}/bench`,
      wsUrl: `ws://127.0.0.1:${chpPort}/ws`,
    },
    {
      name: 'NeuroPod (private, cookie)',
      url: `http://127.0.0.1:${np.port}/bench`,
      wsUrl: `ws://127.0.0.1:${np.port}/ws`,
      headers: { host: neuropod.podHost, cookie: neuropod.cookie },
      origin: `http://${neuropod.podHost}`,
    },
  ]

  // Sanity: every target answers 200 through its path before anything is measured.
  for (const target of targets) {
    const res = await fetchStatus(target)
    if (res !== 200) throw new Error(`${target.name} answered ${res}, not 200`)
  }

  const http = new Map<string, LoadResult[]>()
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) {
      process.stdout.write(`round ${round}/${ROUNDS}: ${target.name} … `)
      const result = await runJson<LoadResult>('load.mjs', {
        url: target.url,
        headers: target.headers,
        connections: CONNECTIONS,
        duration: DURATION,
        warmup: WARMUP,
      })
      console.log(`${fmt(result.rps)} req/s, p99 ${result.p99} ms`)
      if (result.errors || result.timeouts || result.non2xx)
        console.warn(`  ! ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`)
      http.set(target.name, [...(http.get(target.name) ?? []), result])
    }
  }
  const ws = new Map<string, WsResult>()
  for (const target of targets) {
    ws.set(
      target.name,
      await runJson<WsResult>('ws-latency.mjs', {
        url: target.wsUrl,
        headers: target.headers,
        origin: target.origin,
        warmup: 200,
        messages: WS_MESSAGES,
      }),
    )
  }

  const mean = (results: LoadResult[], key: 'rps' | 'p50' | 'p99') =>
    results.reduce((sum, r) => sum + r[key], 0) / results.length
  const summary = targets.map((t) => ({
    name: t.name,
    rps: mean(http.get(t.name)!, 'rps'),
    p50: mean(http.get(t.name)!, 'p50'),
    p99: mean(http.get(t.name)!, 'p99'),
    ws: ws.get(t.name)!,
  }))
  const by = (prefix: string) => summary.find((s) => s.name.startsWith(prefix))
  const chp = by('configurable')!
  const ngx = by('nginx')
  const direct = by('direct')!
  const neu = by('NeuroPod')!

  console.log(
    `\nHTTP GET, ${CONNECTIONS} connections, ${DURATION} s × ${ROUNDS} round(s) per target (autocannon in its own process)`,
  )
  console.log(
    `${pad('target', 30)}${lpad('req/s', 10)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('×direct', 9)}${lpad('×nginx', 8)}${lpad('×CHP', 7)}`,
  )
  for (const s of summary) {
    console.log(
      `${pad(s.name, 30)}${lpad(fmt(s.rps), 10)}${lpad(fmt(s.p50, 1), 9)}${lpad(fmt(s.p99, 1), 9)}${lpad(fmt(s.rps / direct.rps, 2), 9)}${lpad(ngx ? fmt(s.rps / ngx.rps, 2) : '–', 8)}${lpad(fmt(s.rps / chp.rps, 2), 7)}`,
    )
  }
  console.log(`\nWebSocket round trip, 1 connection, ${WS_MESSAGES} sequential 64-byte echoes`)
  console.log(`${pad('target', 30)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('mean ms', 9)}`)
  for (const s of summary)
    console.log(
      `${pad(s.name, 30)}${lpad(fmt(s.ws.p50, 3), 9)}${lpad(fmt(s.ws.p99, 3), 9)}${lpad(fmt(s.ws.mean, 3), 9)}`,
    )

  const checks = [
    { label: 'NeuroPod ≥ 2.0 × CHP throughput', value: neu.rps / chp.rps, ok: neu.rps >= 2 * chp.rps },
    ...(ngx
      ? [
          {
            label: 'NeuroPod ≥ 0.4 × nginx throughput',
            value: neu.rps / ngx.rps,
            ok: neu.rps >= 0.4 * ngx.rps,
          },
        ]
      : []),
    { label: 'NeuroPod p99 ≤ CHP p99', value: neu.p99 / chp.p99, ok: neu.p99 <= chp.p99 },
  ]
  console.log('\nTargets')
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'MISS'}  ${c.label} (ratio ${fmt(c.value, 2)})`)
  cleanup()
  if (STRICT && checks.some((c) => !c.ok)) process.exit(1)
}

async function fetchStatus(target: Target): Promise<number> {
  const { request } = await import('node:http')
  const url = new URL(target.url)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, headers: target.headers ?? {}, agent: false },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    cleanup()
    process.exit(1)
  },
)
