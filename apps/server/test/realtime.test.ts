import { io as ioClient } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type TestServer, waitForEvent } from './harness.js'

describe('realtime', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  const connectRaw = (auth: Record<string, string>, origin?: string) =>
    new Promise<string>((resolve) => {
      const socket = ioClient(server.url, {
        auth,
        transports: ['websocket'],
        reconnection: false,
        ...(origin ? { extraHeaders: { origin } } : {}),
      })
      socket.once('connect', () => {
        socket.disconnect()
        resolve('connected')
      })
      socket.once('connect_error', (e) => resolve(e.message))
    })

  it('refuses sockets without a valid token, and sockets opened by pod pages', async () => {
    expect(await connectRaw({})).toMatch(/token/i)
    expect(await connectRaw({ token: 'nps_bogus' })).toMatch(/token/i)
    const client = await server.newClient()
    expect(await connectRaw({ token: client.token })).toBe('connected')
    const port = new URL(server.url).port
    expect(await connectRaw({ token: client.token }, `http://abcdefghij-8888.localhost:${port}`)).not.toBe(
      'connected',
    )
  })

  it('announces the connection and answers pings', async () => {
    const client = await server.newClient()
    const socket = await server.socket(client.token)
    socket.emit('ping')
    const pong = await waitForEvent(socket, 'pong')
    expect(Date.parse(pong.timestamp)).not.toBeNaN()
  })

  it("checks access on every subscribe and never broadcasts another user's pod", async () => {
    const alice = await server.newClient('alice')
    const bob = await server.newClient('bob')
    const bobSocket = await server.socket(bob.token)
    const adminSocket = await server.socket(server.adminToken)
    const seenByBob: string[] = []
    bobSocket.onAny((event, payload) => seenByBob.push(`${event} ${JSON.stringify(payload)}`))

    const adminSawCreate = waitForEvent(adminSocket, 'podCreated')
    const created = await server.request('POST', '/api/pods', {
      token: alice.token,
      body: { name: 'private-work', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    const podId = created.body.data.podId
    expect((await adminSawCreate).podId).toBe(podId)
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: alice.token })).body.data.status ===
        'running',
    )

    bobSocket.emit('subscribe', { podId })
    expect(await waitForEvent(bobSocket, 'error')).toMatchObject({ type: 'ACCESS_DENIED', podId })
    bobSocket.emit('subscribe', { podId: '0123456789abcdef' })
    expect((await waitForEvent(bobSocket, 'error', (e) => e.type !== 'ACCESS_DENIED')).type).toBe(
      'POD_NOT_FOUND',
    )
    bobSocket.emit('subscribe', {} as { podId: string })
    expect((await waitForEvent(bobSocket, 'error', (e) => e.type === 'INVALID_REQUEST')).message).toMatch(
      /podId/,
    )
    bobSocket.emit('requestLogs', { podId, follow: true })
    expect((await waitForEvent(bobSocket, 'error', (e) => e.type === 'ACCESS_DENIED')).podId).toBe(podId)

    await server.request('POST', `/api/pods/${podId}/stop`, { token: alice.token })
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: alice.token })).body.data.status ===
        'stopped',
    )
    await server.request('DELETE', `/api/pods/${podId}`, { token: alice.token })
    await new Promise((r) => setTimeout(r, 200))
    expect(seenByBob.filter((e) => e.includes('private-work'))).toEqual([])
    expect(seenByBob.filter((e) => !e.startsWith('error'))).toEqual([])
  })

  it('streams logs live with follow and stops on request', async () => {
    const client = await server.newClient()
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'logs', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    const podId = created.body.data.podId
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data.status ===
        'running',
    )
    const socket = await server.socket(client.token)
    socket.emit('requestLogs', { podId, tail: 100, follow: true })
    const first = await waitForEvent(socket, 'podLogs', (e) => e.podId === podId)
    expect(first).toMatchObject({ follow: true, initial: true, available: true })
    expect(first.logs.some((l) => /simulation/i.test(l.message))).toBe(true)
    const live = waitForEvent(
      socket,
      'podLogs',
      (e) => e.podId === podId && e.logs.some((l) => l.message.includes('stopped')),
    )
    await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })
    expect((await live).initial).toBe(false)
  })

  it('keeps the owner informed through their user room without subscribing', async () => {
    const client = await server.newClient()
    const socket = await server.socket(client.token)
    const created = waitForEvent(socket, 'podCreated')
    const running = waitForEvent(socket, 'podUpdate', (e) => e.status === 'running')
    const events = waitForEvent(socket, 'podEvent', (e) => e.event.reason === 'Ready')
    await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'room', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    expect((await created).podName).toBe('room')
    expect((await running).pod.httpServices[0]?.status).toBe('ready')
    expect((await events).event.progress).toBe(100)
  })
})
