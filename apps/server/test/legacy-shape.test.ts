import { LegacyPodStatuses, legacyStatus, PodStatuses, type PodUpdateEvent } from '@neuropod/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type TestServer, waitForEvent } from './harness.js'

describe("the original's event shape and statuses", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('maps every status onto the original four', () => {
    expect(Object.fromEntries(PodStatuses.map((s) => [s, legacyStatus(s)]))).toEqual({
      pending: 'creating',
      creating: 'creating',
      running: 'running',
      stopping: 'running',
      stopped: 'stopped',
      error: 'error',
      deleting: 'stopped',
    })
    for (const s of PodStatuses) expect(LegacyPodStatuses).toContain(legacyStatus(s))
  })

  it('sends stats, httpServices and tcpServices at the top of podUpdate, and legacyStatus everywhere', async () => {
    const client = await server.newClient('legacy')
    const socket = await server.socket(client.token)
    const updates: PodUpdateEvent[] = []
    socket.on('podUpdate', (e) => updates.push(e))
    const created = waitForEvent(socket, 'podCreated')
    const res = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'legacy', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8888], tcpPorts: [22] },
    })
    expect(res.status).toBe(201)
    const podId: string = res.body.data.podId
    expect(res.body.data.pod).toMatchObject({ status: 'pending', legacyStatus: 'creating' })
    expect(await created).toMatchObject({ podId, status: 'pending', legacyStatus: 'creating' })

    await eventually(async () => updates.some((u) => u.status === 'running'))
    const rest = await server.request('GET', `/api/pods/${podId}`, { token: client.token })
    expect(rest.body.data).toMatchObject({ status: 'running', legacyStatus: 'running' })
    const connections = await server.request('GET', `/api/pods/${podId}/connections`, { token: client.token })
    expect(connections.body.data).toMatchObject({ status: 'running', legacyStatus: 'running' })

    socket.emit('subscribe', { podId })
    const snapshot = await waitForEvent(
      socket,
      'podUpdate',
      (e) => e.podId === podId && e.status === 'running',
    )
    expect(snapshot.httpServices.map((s) => s.port)).toEqual([8888])
    expect(snapshot.tcpServices.map((s) => s.port)).toEqual([22])
    expect(snapshot.stats).toHaveProperty('uptime')

    await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })
    await eventually(async () => updates.some((u) => u.status === 'stopped'))
    await server.request('DELETE', `/api/pods/${podId}`, { token: client.token })
    await waitForEvent(socket, 'podDeleted', (e) => e.podId === podId)

    const statuses = new Set(updates.map((u) => u.status))
    for (const s of ['creating', 'running', 'stopping', 'stopped'] as const) expect(statuses).toContain(s)
    for (const u of updates) {
      expect(u.legacyStatus).toBe(legacyStatus(u.status))
      expect(u.pod.legacyStatus).toBe(u.legacyStatus)
      expect(u.stats).toEqual(u.pod.stats)
      expect(u.httpServices).toEqual(u.pod.httpServices)
      expect(u.tcpServices).toEqual(u.pod.tcpServices)
    }
    expect(updates.find((u) => u.status === 'stopping')?.legacyStatus).toBe('running')
  })
})
