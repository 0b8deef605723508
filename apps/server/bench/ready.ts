/**
 * `npm run bench:ready`: how much the platform adds to starting a container, on a real engine.
 *
 * Each of ROUNDS rounds measures, in alternation so machine noise hits both alike:
 *  (a) POST /api/pods until the pod's HTTP port answers 200 at the port the runtime published
 *      (runtime.endpoint; the reverse proxy is measured elsewhere);
 *  (b) the same image, command and port started directly through the engine API (create, start,
 *      inspect for the port) until that port answers 200;
 *  (c) a running pod's container killed outside the platform until a subscribed socket receives
 *      the pod's `podUpdate` with status `error`.
 * Prints the medians of (a) and (b), the median of a/b per round (target ≤ 1.25), and the p95 of (c)
 * (target < 1 s).
 *
 * Needs an engine: NEUROPOD_TEST_DOCKER_SOCKET (`eval "$(scripts/podman-env.sh)"`), else the usual
 * sockets are tried. The image is NEUROPOD_TEST_IMAGE (default: the busybox test image).
 */
import http from 'node:http'
import os from 'node:os'
import { loadConfig } from '../src/config.js'
import { openPglite } from '../src/db/database.js'
import { startServer } from '../src/platform/server.js'
import { findEngine } from '../src/runtime/docker/engine.js'
import { EngineClient, TEST_IMAGE } from '../test/docker/engine.js'
import { connectSocket } from '../test/socket-client.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const PORT = 8080
const COMMAND = `exec httpd -f -p ${PORT} -h /www`
const POLL_MS = 5

async function main(): Promise<void> {
  let socketPath = process.env.NEUROPOD_TEST_DOCKER_SOCKET ?? null
  if (!socketPath) {
    const found = await findEngine(
      {
        ...loadConfig({}).docker,
        xdgRuntimeDir: process.env.XDG_RUNTIME_DIR ?? null,
      },
      1500,
    )
    socketPath = found?.target.socketPath ?? null
  }
  if (!socketPath) {
    console.error(
      'bench:ready needs a Docker/Podman engine: run `eval "$(scripts/podman-env.sh)"` (as root) first.',
    )
    process.exit(1)
  }
  const engine = new EngineClient(socketPath)
  if ((await engine.request('GET', `/images/${encodeURIComponent(TEST_IMAGE)}/json`)).status !== 200) {
    console.error(
      `bench:ready: image ${TEST_IMAGE} is missing on ${socketPath} (scripts/podman-env.sh builds it).`,
    )
    process.exit(1)
  }

  const password = 'bench-password-123'
  const config = loadConfig({
    NODE_ENV: 'bench',
    PORT: '0',
    HOST: '127.0.0.1',
    NEUROPOD_LOG_LEVEL: process.env.NEUROPOD_LOG_LEVEL ?? 'silent',
    NEUROPOD_ADMIN_EMAIL: 'bench@neuropod.local',
    NEUROPOD_ADMIN_PASSWORD: password,
    NEUROPOD_RUNTIME: 'docker',
    NEUROPOD_DOCKER_SOCKET: socketPath,
    NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
    NEUROPOD_METER_INTERVAL_SECONDS: '3600',
    NEUROPOD_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  })
  const server = await startServer(config, { database: await openPglite({}) })
  const instance = String((await server.platform.runtime.health()).details.instance)
  const api = async (method: string, path: string, token: string | null, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    return {
      status: res.status,
      body: (await res.json()) as { data: Record<string, unknown> } & Record<string, unknown>,
    }
  }
  const login = await api('POST', '/api/auth/login', null, { email: 'bench@neuropod.local', password })
  const token = login.body.token as string
  const socket = await connectSocket(server.url, token, new URL(config.publicUrl).origin)

  const viaPlatform: number[] = []
  const direct: number[] = []
  const ratios: number[] = []
  const killToUpdate: number[] = []
  try {
    // One unmeasured round of each warms the image cache, the engine and the server's code paths.
    for (let round = -1; round < ROUNDS; round++) {
      const a = await platformRound(round)
      const b = await directRound(round)
      if (round < 0) continue
      viaPlatform.push(a.ready)
      direct.push(b)
      ratios.push(a.ready / b)
      killToUpdate.push(a.killToUpdate)
      console.log(
        `round ${round + 1}/${ROUNDS}: (a) platform ${ms(a.ready)}  (b) engine ${ms(b)}  a/b ${(a.ready / b).toFixed(2)}  kill→podUpdate ${ms(a.killToUpdate)}`,
      )
    }
  } finally {
    socket.disconnect()
    await server.close()
    await engine.removeInstance(instance)
  }

  console.log('')
  console.log(`engine: ${socketPath}   image: ${TEST_IMAGE}   rounds: ${ROUNDS}   cpus: ${os.cpus().length}`)
  console.log(`(a) POST /api/pods → HTTP 200 on the published port   median ${ms(median(viaPlatform))}`)
  console.log(`(b) engine create+start → HTTP 200                    median ${ms(median(direct))}`)
  console.log(`median of a/b per round: ${median(ratios).toFixed(2)}   (target ≤ 1.25)`)
  console.log(
    `container killed outside → podUpdate on a socket: p95 ${ms(percentile(killToUpdate, 95))}, median ${ms(median(killToUpdate))}   (target < 1 s)`,
  )

  async function platformRound(round: number): Promise<{ ready: number; killToUpdate: number }> {
    const started = performance.now()
    const created = await api('POST', '/api/pods', token, {
      name: `bench-${round + 1}`,
      dockerImage: TEST_IMAGE,
      gpu: 'cpu',
      ports: [PORT],
      startCommand: COMMAND,
      containerDiskSize: 5,
      volumeDiskSize: 5,
    })
    if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`)
    const podId = (created.body.data as { podId: string }).podId
    let endpoint: { host: string; port: number } | null = null
    while (!endpoint) {
      endpoint = await server.platform.runtime.endpoint(podId, PORT)
      if (!endpoint) await sleep(POLL_MS)
    }
    await until200(endpoint.host, endpoint.port)
    const ready = performance.now() - started

    // Kill it from outside once the platform shows it running; time the push.
    await waitForStatus(podId, 'running')
    socket.emit('subscribe', { podId })
    await new Promise<void>((resolve) => socket.once('subscribed', () => resolve()))
    const pushed = new Promise<number>((resolve) => {
      const onUpdate = (e: { podId: string; status: string }) => {
        if (e.podId !== podId || e.status !== 'error') return
        socket.off('podUpdate', onUpdate)
        resolve(performance.now())
      }
      socket.on('podUpdate', onUpdate)
    })
    const killedAt = performance.now()
    await engine.kill(`neuropod-${podId}`)
    const killToUpdate = (await withTimeout(pushed, 10_000, 'podUpdate after kill')) - killedAt

    await api('DELETE', `/api/pods/${podId}`, token)
    while ((await api('GET', `/api/pods/${podId}`, token)).status !== 404) await sleep(20)
    return { ready, killToUpdate }
  }

  async function waitForStatus(podId: string, status: string): Promise<void> {
    for (;;) {
      const res = await api('GET', `/api/pods/${podId}`, token)
      if ((res.body.data as { status: string }).status === status) return
      await sleep(20)
    }
  }

  async function directRound(round: number): Promise<number> {
    const name = `neuropod-bench-direct-${process.pid}-${round + 1}`
    const started = performance.now()
    const created = await engine.request('POST', `/containers/create?name=${name}`, {
      Image: TEST_IMAGE,
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: [COMMAND],
      Labels: { 'io.neuropod.instance': instance },
      ExposedPorts: { [`${PORT}/tcp`]: {} },
      HostConfig: { PortBindings: { [`${PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    })
    if (created.status !== 201) throw new Error(`direct create failed: ${JSON.stringify(created.body)}`)
    await engine.request('POST', `/containers/${name}/start`)
    const info = (await engine.container(name))!
    const port = Number(info.NetworkSettings.Ports[`${PORT}/tcp`]?.[0]?.HostPort)
    await until200('127.0.0.1', port)
    const elapsed = performance.now() - started
    await engine.remove(name)
    return elapsed
  }
}

function until200(host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const req = http.get({ host, port, path: '/', agent: false }, (res) => {
        res.resume()
        if (res.statusCode === 200) resolve()
        else setTimeout(attempt, POLL_MS)
      })
      req.on('error', () => setTimeout(attempt, POLL_MS))
    }
    attempt()
  })
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer in ${timeoutMs} ms`)), timeoutMs),
    ),
  ])
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const ms = (v: number) => `${Math.round(v)} ms`
const median = (values: number[]) => percentile(values, 50)
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
