import {
  TERMINAL_NAMESPACE,
  type TerminalClientEvents,
  type TerminalOpenAck,
  type TerminalServerEvents,
} from '@neuropod/contracts'
import type { Server, Socket } from 'socket.io'
import type { AuthService } from '../auth/auth.service.js'
import type { Principal } from '../auth/principal.js'
import { AppError } from '../errors.js'
import type { Logger } from '../lib/logger.js'
import type { PodsService } from '../pods/pods.service.js'
import type { Bus } from '../realtime/bus.js'
import { authenticateHandshake } from '../realtime/socket-server.js'
import { clampSize, type ExecSession, ExecUnavailableError } from '../runtime/exec.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'
import type { ShellHandle, ShellSessions } from './shell-sessions.js'

interface TerminalData {
  principal: Principal
  token: string
  terminals: Map<string, { exec: ExecSession; handle: ShellHandle }>
}

type TerminalSocket = Socket<TerminalClientEvents, TerminalServerEvents, Record<string, never>, TerminalData>

export interface TerminalDeps {
  auth: AuthService
  pods: PodsService
  runtime: PodRuntime
  shells: ShellSessions
  bus: Bus
  log: Logger
}

const MAX_TERMINALS_PER_SOCKET = 8
const MAX_INPUT_BYTES = 64 * 1024

/**
 * The web terminal: Socket.IO namespace `/terminal` on the main socket server (same engine, same
 * origin check, same credentials). Each `open` is authorized again (owner or admin, like pod URLs)
 * and runs the image's shell on a terminal; a socket may hold several. Bytes go both ways as
 * binary. Closing a terminal, the socket or the tab ends its process (ExecSession.close).
 */
export function attachTerminalNamespace(io: Server, deps: TerminalDeps): () => void {
  const nsp = io.of(TERMINAL_NAMESPACE) as unknown as import('socket.io').Namespace<
    TerminalClientEvents,
    TerminalServerEvents,
    Record<string, never>,
    TerminalData
  >

  nsp.use(
    authenticateHandshake(deps, 'terminal socket', (socket: TerminalSocket) => {
      socket.data.terminals = new Map()
    }),
  )

  nsp.on('connection', (socket: TerminalSocket) => {
    const p = socket.data.principal
    void socket.join(`user:${p.userId}`)
    if (p.sessionId) void socket.join(`session:${p.sessionId}`)
    if (p.apiKeyId) void socket.join(`apikey:${p.apiKeyId}`)
    const remoteAddress = socket.handshake.address || null

    socket.on('open', (request, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {}
      void open(socket, request, remoteAddress).then(
        ({ ack, begin }) => {
          reply(ack)
          // Output only after the acknowledgement: the browser learns the session id first.
          begin?.()
        },
        (error: unknown) => {
          deps.log.error({ err: error }, 'terminal open failed')
          reply({ ok: false, code: 'ERROR', message: 'The terminal could not be opened' })
        },
      )
    })
    socket.on('data', (message) => {
      const terminal = socket.data.terminals.get(String(message?.sessionId))
      if (!terminal || !message.data) return
      const bytes = Buffer.from(message.data as ArrayBuffer)
      if (bytes.length > MAX_INPUT_BYTES) return
      terminal.handle.active()
      terminal.exec.stdin.write(bytes)
    })
    socket.on('resize', (message) => {
      const terminal = socket.data.terminals.get(String(message?.sessionId))
      if (terminal)
        void terminal.exec.resize(clampSize({ cols: message.cols, rows: message.rows })).catch(() => {})
    })
    socket.on('close', (message) => {
      void socket.data.terminals.get(String(message?.sessionId))?.exec.close()
    })
    socket.on('disconnect', () => {
      for (const terminal of socket.data.terminals.values()) void terminal.exec.close()
    })
  })

  async function open(
    socket: TerminalSocket,
    request: unknown,
    remoteAddress: string | null,
  ): Promise<{ ack: TerminalOpenAck; begin?: () => void }> {
    const refuse = (code: Extract<TerminalOpenAck, { ok: false }>['code'], message: string) => ({
      ack: { ok: false as const, code, message },
    })
    const body = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>
    const podId = body.podId
    if (typeof podId !== 'string' || podId === '') return refuse('INVALID_REQUEST', 'podId is required')
    if (socket.data.terminals.size >= MAX_TERMINALS_PER_SOCKET)
      return refuse('LIMIT', `At most ${MAX_TERMINALS_PER_SOCKET} terminals per connection`)
    // The credential again (revocations apply at once), then the pod, as for every pod action.
    const principal = await deps.auth.authenticate(socket.data.token)
    if (!principal) {
      socket.disconnect(true)
      return refuse('ACCESS_DENIED', 'Your session has ended')
    }
    try {
      await deps.pods.accessible(principal, podId)
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return refuse('POD_NOT_FOUND', 'Pod not found')
      if (error instanceof AppError && error.status === 403)
        return refuse('ACCESS_DENIED', 'No access to this pod')
      throw error
    }
    let exec: ExecSession
    try {
      exec = await deps.runtime.exec({
        podId,
        command: null,
        tty: true,
        size: clampSize({ cols: Number(body.cols), rows: Number(body.rows) }),
        env: { TERM: 'xterm-256color' },
      })
    } catch (error) {
      if (error instanceof ExecUnavailableError) return refuse('NOT_RUNNING', error.message)
      throw error
    }
    const handle = await deps.shells.start({
      userId: principal.userId,
      podId,
      kind: 'terminal',
      detail: 'shell',
      remoteAddress,
      close: (reason) => {
        socket.emit('data', { sessionId: handle.id, data: Buffer.from(`\r\n${reason}\r\n`) })
        void exec.close()
      },
    })
    const sessionId = handle.id
    socket.data.terminals.set(sessionId, { exec, handle })
    if (!socket.connected) void exec.close()
    const begin = () => {
      exec.stdout.on('data', (chunk: Buffer) => {
        handle.active()
        socket.emit('data', { sessionId, data: chunk })
      })
      // After the last output (the stream ends once the process did).
      exec.stdout.once('end', () => {
        void exec.exit.then(async (exit) => {
          socket.data.terminals.delete(sessionId)
          await handle.end()
          socket.emit('exit', { sessionId, code: exit.code, reason: exit.reason })
        })
      })
    }
    return { ack: { ok: true, sessionId }, begin }
  }

  // A signed-out browser session (or a revoked API key) loses its terminals at once; account-wide
  // revocations also reach ShellSessions, which closes SSH sessions too.
  return deps.bus.subscribe((m) => {
    if (m.kind !== 'access-revoked') return
    const room = m.apiKeyId
      ? `apikey:${m.apiKeyId}`
      : m.sessionId
        ? `session:${m.sessionId}`
        : `user:${m.userId}`
    nsp.local.in(room).disconnectSockets(true)
  })
}
