import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PodMetricsEvent } from '@neuropod/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeKubeApiServer } from '../fakes/kube-api-server.js'
import { createTestServer, eventually, type TestServer, waitForEvent } from '../harness.js'
import { kubeEnv } from './helpers.js'

/**
 * Per-pod metrics on Kubernetes (issue 12), against the fake API server: metrics.k8s.io is read
 * with ONE list of the namespace per interval however many pods run; samples reach the history
 * and the pod's subscribers, never another user; a cluster without metrics-server says so.
 */

let fake: FakeKubeApiServer
let app: http.Server
let port: number

beforeAll(async () => {
  fake = await new FakeKubeApiServer({ kubeletStepMs: 5, metrics: true }).start()
  fake.addNode({ name: 'cpu-1' })
  app = http.createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  port = (app.address() as AddressInfo).port
})

afterAll(async () => {
  await fake?.close()
  await new Promise((r) => app?.close(r))
})

describe('pod metrics on kubernetes', () => {
  let server: TestServer
  let owner: { token: string; id: string }
  const podIds: string[] = []

  beforeAll(async () => {
    server = await createTestServer({
      env: kubeEnv(fake, {
        NEUROPOD_K8S_PROBE_VIA: 'pod-ip',
        NEUROPOD_RECONCILE_INTERVAL_SECONDS: '3600',
        // The test drives each interval itself (sampler.tick), so it can count requests per interval.
        NEUROPOD_METRICS_INTERVAL_SECONDS: '3600',
      }),
    })
    owner = await server.newClient('owner')
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: owner.id, amount: 1000, reason: 'tests' },
    })
    for (let i = 0; i < 3; i++) {
      const res = await server.request('POST', '/api/pods', {
        token: owner.token,
        body: { name: `m${i}`, dockerImage: 'busybox:latest', gpu: 'cpu', ports: String(port) },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      podIds.push(res.body.data.podId)
    }
    for (const podId of podIds)
      await eventually(
        async () =>
          (await server.request('GET', `/api/pods/${podId}`, { token: owner.token })).body.data.status ===
          'running',
        20_000,
      )
    for (const [i, podId] of podIds.entries())
      fake.setPodMetrics(`np-${podId}`, { cpu: `${250 * (i + 1)}m`, memory: '64Mi' })
  })
  afterAll(() => server?.stop())

  it('lists the whole namespace once per interval, not once per pod', async () => {
    fake.resetRequests()
    for (let i = 0; i < 4; i++) {
      const result = await server.platform.sampler.tick()
      expect(result.pods).toBe(3)
      expect(result.stored).toBe(3)
    }
    const metricsRequests = fake.requests.filter((r) => r.verb === 'metrics')
    expect(metricsRequests).toHaveLength(4)
    expect(metricsRequests.every((r) => r.name === null && r.namespace === 'neuropod')).toBe(true)
  })

  it('serves the history to the owner, with the figures metrics.k8s.io has and why the others are missing', async () => {
    const res = await server.request('GET', `/api/pods/${podIds[1]}/metrics?range=1h`, { token: owner.token })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const history = res.body.data
    expect(history.source).toBe('metrics.k8s.io')
    expect(history.points.length).toBeGreaterThanOrEqual(4)
    expect(history.points.at(-1)).toMatchObject({ cpuPercent: 50, memoryUsedBytes: 64 * 1024 * 1024 })
    expect(history.unavailable.netRxBytesPerSecond).toBe('metrics.k8s.io has no network figures')
    expect(history.unavailable.gpuUtilizationPercent).toBe('the pod has no GPU')
    const bad = await server.request('GET', `/api/pods/${podIds[1]}/metrics?range=2h`, { token: owner.token })
    expect(bad.status).toBe(400)
  })

  it('sends live samples to the pod’s subscribers only: never to another user', async () => {
    const other = await server.newClient('other')
    const ownerSocket = await server.socket(owner.token)
    const otherSocket = await server.socket(other.token)
    const adminSocket = await server.socket(server.adminToken)
    const seenByOther: PodMetricsEvent[] = []
    otherSocket.on('podMetrics', (e) => seenByOther.push(e))
    // Both waits are in place before either subscribes: the replies may arrive in any order.
    const ownerSubscribed = waitForEvent(ownerSocket, 'subscribed')
    const adminSubscribed = waitForEvent(adminSocket, 'subscribed')
    ownerSocket.emit('subscribe', { podId: podIds[0]! })
    adminSocket.emit('subscribe', { podId: podIds[0]! })
    await Promise.all([ownerSubscribed, adminSubscribed])
    // Another user who asks is refused, and so never joins the pod's room.
    const denied = waitForEvent(otherSocket, 'error', (e) => e.type === 'ACCESS_DENIED')
    otherSocket.emit('subscribe', { podId: podIds[0]! })
    await denied
    const toOwner = waitForEvent(ownerSocket, 'podMetrics', (e) => e.podId === podIds[0])
    const toAdmin = waitForEvent(adminSocket, 'podMetrics', (e) => e.podId === podIds[0])
    const ownerSeen: string[] = []
    ownerSocket.on('podMetrics', (e) => ownerSeen.push(e.podId))
    await server.platform.sampler.tick()
    const live = await toOwner
    await toAdmin
    expect(live.sample).toMatchObject({ cpuPercent: 25, memoryUsedBytes: 64 * 1024 * 1024 })
    // A second interval, so a late delivery to the other user would have had time to arrive.
    await server.platform.sampler.tick()
    await waitForEvent(ownerSocket, 'podMetrics', (e) => e.podId === podIds[0])
    expect(seenByOther).toEqual([])
    // Only the subscribed pod's samples, not the owner's other pods.
    expect(new Set(ownerSeen)).toEqual(new Set([podIds[0]]))
  })

  it('says "metrics-server not installed" when the cluster has no metrics API, and stores nothing', async () => {
    const socket = await server.socket(owner.token)
    socket.emit('subscribe', { podId: podIds[2]! })
    await waitForEvent(socket, 'subscribed')
    const told = waitForEvent(socket, 'podMetrics', (e) => e.podId === podIds[2])
    fake.metricsEnabled = false
    try {
      const result = await server.platform.sampler.tick()
      expect(result.stored).toBe(0)
    } finally {
      fake.metricsEnabled = true
    }
    const live = await told
    expect(live.sample.cpuPercent).toBeNull()
    expect(live.sample.memoryUsedBytes).toBeNull()
    expect(live.unavailable.cpuPercent).toMatch(/metrics-server not installed/)
  })
})
