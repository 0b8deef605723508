import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeIngressNginx } from '../fakes/ingress-nginx.js'
import { FakeKubeApiServer } from '../fakes/kube-api-server.js'
import {
  cloneDatabase,
  createTestServer,
  eventually,
  type Json,
  type TestServer,
  waitForEvent,
} from '../harness.js'
import { kubeEnv } from './helpers.js'

/**
 * The whole platform with NEUROPOD_RUNTIME=kubernetes, through its public API, against the fake
 * API server (reached through a kubeconfig). Pod IPs are loopback and the pods' HTTP port is a
 * real local server, so readiness probes answer as a running Jupyter would.
 */

let fake: FakeKubeApiServer
let app: http.Server
let port: number

beforeAll(async () => {
  fake = await new FakeKubeApiServer({ kubeletStepMs: 5 }).start()
  fake.addNode({ name: 'cpu-1' })
  fake.addNode({
    name: 'gpu-1',
    labels: { 'neuropod.io/gpu-type': 'rtx-4050' },
    allocatable: { 'nvidia.com/gpu': '1' },
    taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
  })
  // Plays every pod's HTTP port; `/headers` shows what reached it.
  app = http.createServer((req, res) =>
    res.end(req.url === '/headers' ? JSON.stringify(req.headers) : 'jupyter says hi'),
  )
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  port = (app.address() as AddressInfo).port
})

afterAll(async () => {
  await fake?.close()
  await new Promise((r) => app?.close(r))
})

const env = () =>
  kubeEnv(fake, {
    NEUROPOD_K8S_PROBE_VIA: 'pod-ip',
    NEUROPOD_RECONCILE_INTERVAL_SECONDS: '3600',
    NEUROPOD_READINESS_GRACE_SECONDS: '60',
  })

async function podOf(server: TestServer, token: string, podId: string): Promise<Json> {
  const res = await server.request('GET', `/api/pods/${podId}`, { token })
  return res.body.data
}

async function untilStatus(server: TestServer, token: string, podId: string, status: string): Promise<Json> {
  return eventually(async () => {
    const pod = await podOf(server, token, podId)
    return pod.status === status ? pod : null
  })
}

describe('kubernetes runtime end to end', () => {
  let server: TestServer

  beforeAll(async () => {
    server = await createTestServer({ env: env() })
  })
  afterAll(() => server?.stop())

  it('creates a pod with progress events, runs it, shows logs, stops, starts and deletes it', async () => {
    const client = await server.newClient()
    const socket = await server.socket(client.token)
    const progress: number[] = []
    socket.on('podEvent', (e) => {
      if (e.event.progress !== null) progress.push(e.event.progress)
    })
    const running = waitForEvent(socket, 'podUpdate', (e) => e.status === 'running', 15_000)
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'notebook',
        dockerImage: 'jupyter/base-notebook:latest',
        gpu: 'cpu',
        ports: String(port),
        enableJupyter: false,
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const podId: string = created.body.data.podId
    socket.emit('subscribe', { podId })
    const update = await running
    expect(update.pod.httpServices[0]?.status).toBe('ready')
    const url = update.pod.httpServices[0]!.url
    expect(url).toMatch(new RegExp(`^https://[a-z0-9]{10}-${port}\\.pods\\.example\\.org/$`))
    expect(progress).toEqual(expect.arrayContaining([20, 30, 60, 70, 80, 100]))
    const events = await server.request('GET', `/api/pods/${podId}/events`, { token: client.token })
    expect(events.body.data.map((e: Json) => e.reason)).toEqual(
      expect.arrayContaining(['Scheduled', 'Pulling', 'Started', 'Ready']),
    )

    fake.appendLogs(`np-${podId}`, ['[I] Jupyter Server is running'])
    const logs = await server.request('GET', `/api/pods/${podId}/logs?tail=10`, { token: client.token })
    expect(logs.body.data).toMatchObject({ available: true, logs: '[I] Jupyter Server is running' })

    const stopped = await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })
    expect(stopped.status).toBe(200)
    await untilStatus(server, client.token, podId, 'stopped')
    await eventually(
      async () => !fake.get('pods', `np-${podId}`) && !fake.get('ingresses', `np-${podId}-${port}`),
    )
    const volume = await server.platform.database.db
      .selectFrom('volumes')
      .innerJoin('pods', 'pods.volume_id', 'volumes.id')
      .select('volumes.runtime_name')
      .where('pods.id', '=', podId)
      .executeTakeFirstOrThrow()
    expect(volume.runtime_name).toMatch(/^np-vol-[a-f0-9]{16}$/)
    expect(fake.get('persistentvolumeclaims', volume.runtime_name)).toBeDefined()

    await server.request('POST', `/api/pods/${podId}/start`, { token: client.token })
    const again = await untilStatus(server, client.token, podId, 'running')
    expect(again.httpServices[0].url).toBe(url)
    await eventually(async () => fake.get('ingresses', `np-${podId}-${port}`))
    expect(fake.get('ingresses', `np-${podId}-${port}`)!.spec.rules[0].host).toBe(new URL(url).hostname)

    const deleted = waitForEvent(socket, 'podDeleted', (e) => e.podId === podId, 15_000)
    await server.request('DELETE', `/api/pods/${podId}?keepVolume=false`, { token: client.token })
    await deleted
    await eventually(
      async () =>
        ['pods', 'persistentvolumeclaims', 'services', 'ingresses', 'secrets'].every(
          (r) => !fake.list(r).some((o) => o.metadata.labels?.['neuropod.io/pod-id'] === podId),
        ) && !fake.get('persistentvolumeclaims', volume.runtime_name),
    )
    expect(fake.validationErrors).toEqual([])
  })

  it('applies per-port access changes to the Ingress', async () => {
    const client = await server.newClient()
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'shared', dockerImage: 'nginx:1.27', gpu: 'cpu', ports: String(port), tcpPorts: [22] },
    })
    const podId: string = created.body.data.podId
    await untilStatus(server, client.token, podId, 'running')
    // The TCP port is a NodePort, shown as host:port once its Service exists.
    const tcp = await eventually(async () => {
      const pod = await podOf(server, client.token, podId)
      return pod.tcpServices[0]?.status === 'ready' ? pod.tcpServices[0] : null
    })
    expect(tcp).toMatchObject({
      port: 22,
      host: '10.0.0.1',
      hostPort: fake.get('services', `np-${podId}-tcp`)!.spec.ports[0].nodePort,
    })
    const ingress = () => fake.get('ingresses', `np-${podId}-${port}`)!
    await eventually(async () => fake.get('ingresses', `np-${podId}-${port}`))
    expect(ingress().metadata.annotations['nginx.ingress.kubernetes.io/auth-url']).toBe(
      'http://neuropod.neuropod-system.svc:3000/api/proxy/auth',
    )
    const changed = await server.request('PATCH', `/api/pods/${podId}/ports/${port}`, {
      token: client.token,
      body: { access: 'public' },
    })
    expect(changed.status, JSON.stringify(changed.body)).toBe(200)
    await eventually(async () => ingress().metadata.annotations['neuropod.io/access'] === 'public')
    expect(ingress().metadata.annotations).not.toHaveProperty('nginx.ingress.kubernetes.io/auth-signin')
    await server.request('DELETE', `/api/pods/${podId}`, { token: client.token })
  })

  it('signs a browser in to a private pod URL through ingress-nginx, and keeps everyone else out', async () => {
    const owner = await server.newClient()
    const stranger = await server.newClient()
    const created = await server.request('POST', '/api/pods', {
      token: owner.token,
      body: { name: 'private', dockerImage: 'nginx:1.27', gpu: 'cpu', ports: String(port) },
    })
    const podId: string = created.body.data.podId
    const pod = await untilStatus(server, owner.token, podId, 'running')
    await eventually(async () => fake.get('ingresses', `np-${podId}-${port}`))
    await eventually(async () => fake.get('services', 'neuropod-platform'))
    const nginx = new FakeIngressNginx({
      kube: fake,
      resolve: { 'neuropod.neuropod-system.svc': server.url },
      podBackend: (service) => {
        expect(service).toBe(`np-${podId}`)
        return `http://127.0.0.1:${port}`
      },
    })
    const podUrl = new URL(pod.httpServices[0].url)
    const platformCookie = (token: string) => `neuropod_session=${token}`

    // 1. No credential: nginx sends the browser to the platform's sign-in, with the way back.
    const first = await nginx.request(`${podUrl.origin}/headers?x=1`, { cookie: 'theme=dark' })
    expect(first.status).toBe(302)
    const signin = new URL(String(first.headers.location))
    expect(`${signin.origin}${signin.pathname}`).toBe('https://neuropod.example.org/api/proxy/signin')
    expect(signin.searchParams.get('rd')).toBe(`${podUrl.origin}/headers?x=1`)

    // 2. The platform (the owner is signed in there) hands over a one-time ticket for this host.
    const handover = await server.request('GET', `${signin.pathname}${signin.search}`, {
      headers: { accept: 'text/html', cookie: platformCookie(owner.token) },
    })
    expect(handover.status).toBe(302)
    const ticketUrl = String(handover.headers.location)
    expect(ticketUrl.startsWith(`${podUrl.origin}/__neuropod/auth?ticket=`)).toBe(true)

    // 3. On the pod host, `/__neuropod/` passes the auth check and reaches the platform, which
    //    turns the ticket into a cookie for this host only.
    const redeemed = await nginx.request(ticketUrl, { cookie: 'theme=dark' })
    expect(redeemed.backend).toBe('neuropod-platform:3000')
    expect(redeemed.status, redeemed.body).toBe(302)
    expect(redeemed.headers.location).toBe('/headers?x=1')
    const podCookie = String(redeemed.headers['set-cookie']?.[0]).split(';')[0]!
    expect(String(redeemed.headers['set-cookie']?.[0])).toMatch(/HttpOnly; SameSite=Lax; Secure/)
    // The ticket works once.
    expect((await nginx.request(ticketUrl)).status).not.toBe(302)

    // 4. With that cookie the request reaches the pod, which never sees the platform's cookies.
    const inside = await nginx.request(`${podUrl.origin}/headers`, {
      cookie: `theme=dark; ${podCookie}; ${platformCookie(owner.token)}`,
    })
    expect(inside.status).toBe(200)
    expect(inside.backend).toBe(`np-${podId}:${port}`)
    const seen = JSON.parse(inside.body)
    expect(seen.cookie).toBe('theme=dark')
    expect(inside.body).not.toContain(owner.token)
    expect(inside.body).not.toContain(podCookie.split('=')[1])

    // 5. Everyone else stays out: another user is refused, a cookie of this host does not open
    //    another pod, and no spelling of the hand-over path slips past the check to the pod.
    expect(
      (await nginx.request(`${podUrl.origin}/headers`, { authorization: `Bearer ${stranger.token}` })).status,
    ).toBe(403)
    expect(
      (await nginx.request(`${podUrl.origin}/headers`, { authorization: `Bearer ${owner.token}` })).status,
    ).toBe(200)
    for (const sneaky of [
      '/__neuropod/..%2fheaders',
      '/__neuropod/%2e%2e/headers',
      '/__neuropod//../headers',
    ]) {
      const res = await nginx.request(`${podUrl.origin}${sneaky}`)
      expect(res.backend, sneaky).not.toBe(`np-${podId}:${port}`)
    }
    await server.request('DELETE', `/api/pods/${podId}`, { token: owner.token })
  })

  it('shows an image that cannot be pulled as an error with the registry reason', async () => {
    fake.failPulls(/no-such-image/, 'manifest unknown')
    const client = await server.newClient()
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'typo', dockerImage: 'example.org/no-such-image:1', gpu: 'cpu', ports: String(port) },
    })
    const podId: string = created.body.data.podId
    const pod = await untilStatus(server, client.token, podId, 'error')
    expect(pod.statusReason).toMatch(/^Image pull failed: .*manifest unknown/)
    await eventually(async () => !fake.get('pods', `np-${podId}`))
  })

  it('keeps a pod pending while no GPU is free, shows the stock, and starts it when one frees', async () => {
    const gpu = { dockerImage: 'pytorch/pytorch:latest', gpu: 'rtx-4050', ports: String(port) }
    const first = await server.request('POST', '/api/pods', {
      token: server.adminToken,
      body: { name: 'gpu-a', ...gpu },
    })
    const a: string = first.body.data.podId
    await untilStatus(server, server.adminToken, a, 'running')
    const stock = await server.request('GET', '/api/pricing/gpus/available', { token: server.adminToken })
    expect(stock.body.data.find((g: Json) => g.id === 'rtx-4050').stock).toEqual({
      total: 1,
      free: 0,
      source: 'kubernetes',
    })

    const second = await server.request('POST', '/api/pods', {
      token: server.adminToken,
      body: { name: 'gpu-b', ...gpu },
    })
    const b: string = second.body.data.podId
    const waiting = await eventually(async () => {
      const pod = await podOf(server, server.adminToken, b)
      return pod.status === 'pending' && pod.statusReason?.startsWith('Waiting for a free GPU') ? pod : null
    })
    expect(waiting.statusReason).toContain('Insufficient nvidia.com/gpu')
    await server.request('DELETE', `/api/pods/${a}`, { token: server.adminToken })
    await untilStatus(server, server.adminToken, b, 'running')
    await server.request('DELETE', `/api/pods/${b}`, { token: server.adminToken })
  })

  it('marks a pod deleted by hand as an error, and brings it back on start', async () => {
    const client = await server.newClient()
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'fragile', dockerImage: 'nginx:1.27', gpu: 'cpu', ports: String(port) },
    })
    const podId: string = created.body.data.podId
    await untilStatus(server, client.token, podId, 'running')
    fake.deleteByHand('pods', `np-${podId}`)
    const failed = await untilStatus(server, client.token, podId, 'error')
    expect(failed.statusReason).toBe('The container was removed outside NeuroPod')
    await server.request('POST', `/api/pods/${podId}/start`, { token: client.token })
    await untilStatus(server, client.token, podId, 'running')
  })

  it('turns an exit into an error with the exit code and keeps the logs readable', async () => {
    const client = await server.newClient()
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'oom', dockerImage: 'python:3.12', gpu: 'cpu', ports: String(port) },
    })
    const podId: string = created.body.data.podId
    await untilStatus(server, client.token, podId, 'running')
    fake.appendLogs(`np-${podId}`, ['loading a very large model'])
    fake.terminate(`np-${podId}`, { exitCode: 137, reason: 'OOMKilled' })
    const failed = await untilStatus(server, client.token, podId, 'error')
    expect(failed.statusReason).toBe('The container exited with code 137 (OOMKilled)')
    const logs = await server.request('GET', `/api/pods/${podId}/logs`, { token: client.token })
    expect(logs.body.data.logs).toBe('loading a very large model')
  })

  it('reports objects no pod owns to admins, and removes them on request', async () => {
    const stray = 'feedfacefeedface'
    fake.seed(
      'persistentvolumeclaims',
      {
        metadata: {
          name: `np-${stray}-data`,
          labels: { 'app.kubernetes.io/managed-by': 'neuropod', 'neuropod.io/pod-id': stray },
        },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
      new Date(Date.now() - 3600_000),
    )
    const client = await server.newClient()
    expect((await server.request('GET', '/api/admin/runtime/orphans', { token: client.token })).status).toBe(
      403,
    )
    const report = await eventually(async () => {
      const res = await server.request('GET', '/api/admin/runtime/orphans', { token: server.adminToken })
      return res.body.data.length > 0 ? res : null
    })
    expect(report.body.data).toEqual([
      { kind: 'PersistentVolumeClaim', name: `np-${stray}-data`, podId: stray, removed: false },
    ])
    const cleaned = await server.request('POST', '/api/admin/runtime/orphans/cleanup', {
      token: server.adminToken,
    })
    expect(cleaned.body.data[0].removed).toBe(true)
    await eventually(async () => !fake.get('persistentvolumeclaims', `np-${stray}-data`))
  })
})

describe('kubernetes runtime across a control-plane restart', () => {
  it('converges after the control plane restarts in the middle of a creation', async () => {
    const { handle, drop } = await cloneDatabase()
    // Both servers share the handle; closing the first must not close the database.
    const shared = { ...handle, close: async () => {} }
    fake.kubelet = 'manual'
    let second: TestServer | null = null
    try {
      const first = await createTestServer({ env: env(), database: shared })
      const client = await first.newClient()
      const created = await first.request('POST', '/api/pods', {
        token: client.token,
        body: { name: 'restart', dockerImage: 'nginx:1.27', gpu: 'cpu', ports: String(port) },
      })
      const podId: string = created.body.data.podId
      await untilStatus(first, client.token, podId, 'creating')
      await eventually(async () => fake.get('pods', `np-${podId}`))
      const other = await first.request('POST', '/api/pods', {
        token: client.token,
        body: { name: 'vanishes', dockerImage: 'nginx:1.27', gpu: 'cpu', ports: String(port) },
      })
      const goneId: string = other.body.data.podId
      await eventually(async () => fake.get('pods', `np-${goneId}`))
      await first.stop()

      // While no control plane runs: one pod starts, the other is deleted by hand.
      fake.runPod(`np-${podId}`)
      fake.deleteByHand('pods', `np-${goneId}`)
      fake.kubelet = 'auto'

      second = await createTestServer({ env: env(), database: shared })
      const login = await second.request('POST', '/api/auth/login', {
        body: { email: client.email, password: 'client-password-1' },
      })
      const token: string = login.body.token
      const pod = await untilStatus(second, token, podId, 'running')
      expect(pod.httpServices[0].status).toBe('ready')
      // The pod deleted meanwhile was never running: it is created again.
      await untilStatus(second, token, goneId, 'running')
    } finally {
      fake.kubelet = 'auto'
      await second?.stop()
      await handle.close()
      await drop()
    }
  })
})
