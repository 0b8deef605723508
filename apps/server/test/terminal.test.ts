import {
  TERMINAL_NAMESPACE,
  type TerminalClientEvents,
  type TerminalOpenAck,
  type TerminalServerEvents,
} from '@neuropod/contracts'
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestServer, eventually, type TestServer } from './harness.js'

/** The web terminal's Socket.IO namespace, on the simulated runtime, as a browser uses it. */

vi.setConfig({ testTimeout: 60_000, hookTimeout: 240_000 })

type TerminalSocket = Socket<TerminalServerEvents, TerminalClientEvents>

describe('web terminal namespace', () => {
  let server: TestServer
  let owner: { token: string; id: string; email: string }
  let other: { token: string; id: string }
  let podId: string
  const sockets: TerminalSocket[] = []

  async function connect(token: string): Promise<TerminalSocket> {
    const socket: TerminalSocket = io(`${server.url}${TERMINAL_NAMESPACE}`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { origin: new URL(server.config.publicUrl).origin },
    })
    sockets.push(socket)
    const texts = new Map<string, string>()
    received.set(socket, texts)
    socket.on('data', (m) => {
      texts.set(m.sessionId, (texts.get(m.sessionId) ?? '') + Buffer.from(m.data as ArrayBuffer).toString())
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', reject)
    })
    return socket
  }

  const open = (socket: TerminalSocket, id: string, cols = 100, rows = 30) =>
    new Promise<TerminalOpenAck>((resolve) => socket.emit('open', { podId: id, cols, rows }, resolve))

  /** Output per session, collected from the moment the socket connects (data may beat the ack). */
  const received = new WeakMap<TerminalSocket, Map<string, string>>()
  function output(socket: TerminalSocket, sessionId: string) {
    const text = () => received.get(socket)?.get(sessionId) ?? ''
    return {
      get text() {
        return text()
      },
      waitFor: (pattern: RegExp) =>
        eventually(async () => pattern.test(text()), 20_000).catch((error: Error) => {
          throw new Error(`${error.message}: ${JSON.stringify(text())}`)
        }),
    }
  }
  const send = (socket: TerminalSocket, sessionId: string, text: string) =>
    socket.emit('data', { sessionId, data: new TextEncoder().encode(text) })

  beforeAll(async () => {
    server = await createTestServer({ env: { NEUROPOD_PROXY_ACTIVITY_FLUSH_MS: '100' } })
    owner = await server.newClient('term-owner')
    other = await server.newClient('term-other')
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: owner.id, amount: 100, reason: 'tests' },
    })
    const res = await server.request('POST', '/api/pods', {
      token: owner.token,
      body: { name: 'term-pod', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    podId = res.body.data.podId
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: owner.token })).body.data.status ===
        'running',
    )
  })
  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await server?.stop()
  })

  it('runs a shell: typed input, its output, a resize, and the end', async () => {
    const socket = await connect(owner.token)
    const ack = await open(socket, podId)
    expect(ack.ok, JSON.stringify(ack)).toBe(true)
    if (!ack.ok) return
    const out = output(socket, ack.sessionId)
    await out.waitFor(/\$ $/)
    send(socket, ack.sessionId, 'echo $((6*7))\r')
    await out.waitFor(/\r\n42\r\n/)
    send(socket, ack.sessionId, 'stty size\r')
    await out.waitFor(/\r\n30 100\r\n/)
    socket.emit('resize', { sessionId: ack.sessionId, cols: 120, rows: 40 })
    await eventually(async () => {
      send(socket, ack.sessionId, 'stty size\r')
      await new Promise((r) => setTimeout(r, 200))
      return /\r\n40 120\r\n/.test(out.text)
    })
    const exited = new Promise<{ code: number | null }>((resolve) => socket.once('exit', resolve))
    send(socket, ack.sessionId, 'exit 4\r')
    expect((await exited).code).toBe(4)
    const sessions = await server.request('GET', `/api/admin/shell-sessions?podId=${podId}`, {
      token: server.adminToken,
    })
    expect(sessions.body.data[0]).toMatchObject({ kind: 'terminal', detail: 'shell', userEmail: owner.email })
    await eventually(async () => {
      const again = await server.request('GET', `/api/admin/shell-sessions?podId=${podId}&open=true`, {
        token: server.adminToken,
      })
      return again.body.data.length === 0
    })
  })

  it('holds several terminals on one pod, and closing the socket ends them all', async () => {
    const socket = await connect(owner.token)
    const acks = await Promise.all([open(socket, podId), open(socket, podId)])
    expect(acks.every((a) => a.ok)).toBe(true)
    const ids = acks.map((a) => (a.ok ? a.sessionId : ''))
    expect(new Set(ids).size).toBe(2)
    await eventually(async () => server.platform.shells.openCount(podId) === 2)
    socket.disconnect()
    await eventually(async () => server.platform.shells.openCount(podId) === 0)
  })

  it('refuses other users, unknown pods and pods that are not running, saying why', async () => {
    const stranger = await connect(other.token)
    expect(await open(stranger, podId)).toMatchObject({ ok: false, code: 'ACCESS_DENIED' })
    expect(await open(stranger, 'ffffffffffffffff')).toMatchObject({ ok: false, code: 'POD_NOT_FOUND' })
    expect(await open(stranger, '')).toMatchObject({ ok: false, code: 'INVALID_REQUEST' })
    const admin = await connect(server.adminToken)
    const asAdmin = await open(admin, podId)
    expect(asAdmin.ok).toBe(true)
    admin.disconnect()

    const stopped = await server.request('POST', '/api/pods', {
      token: owner.token,
      body: { name: 'term-stopped', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    const stoppedId = stopped.body.data.podId
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${stoppedId}`, { token: owner.token })).body.data.status ===
        'running',
    )
    await server.request('POST', `/api/pods/${stoppedId}/stop`, { token: owner.token })
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${stoppedId}`, { token: owner.token })).body.data.status ===
        'stopped',
    )
    const socket = await connect(owner.token)
    const refused = await open(socket, stoppedId)
    expect(refused).toMatchObject({ ok: false, code: 'NOT_RUNNING' })
    if (!refused.ok) expect(refused.message).toMatch(/stopped/)
  })

  it('refuses a socket without a valid credential', async () => {
    await expect(connect('nps_not-a-token')).rejects.toThrow(/Invalid or expired token/)
  })

  it('ends the terminal when the browser session signs out', async () => {
    const login = await server.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: 'client-password-1' },
    })
    const socket = await connect(login.body.token)
    const ack = await open(socket, podId)
    expect(ack.ok).toBe(true)
    await eventually(async () => server.platform.shells.openCount(podId) === 1)
    const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()))
    await server.request('POST', '/api/auth/logout', { token: login.body.token })
    await gone
    await eventually(async () => server.platform.shells.openCount(podId) === 0)
  })
})
