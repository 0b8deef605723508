import type {
  ClientToServerEvents,
  LogsRequest,
  RealtimeErrorType,
  ServerToClientEvents,
} from '@neuropod/contracts'
import { REALTIME_VERSION } from '@neuropod/contracts'
import { Server as EngineServer } from 'engine.io'
import { Server, type Socket } from 'socket.io'
import type { AuthService } from '../auth/auth.service.js'
import { type Principal, SESSION_COOKIE } from '../auth/principal.js'
import { AppError } from '../errors.js'
import type { OriginPolicy } from '../http/origins.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { parsePodHost } from '../lib/pod-urls.js'
import { type PodPublisher, podUpdatePayload } from '../pods/pod-publisher.js'
import type { PodsService } from '../pods/pods.service.js'
import type { LogLineOut, PodRuntime } from '../runtime/pod-runtime.js'
import type { Bus, BusMessage } from './bus.js'
import type { PodMessage, UserMessage } from './messages.js'

interface SocketData {
  principal: Principal
  token: string
  follows: Map<string, AbortController>
}

type NeuroSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>

export interface RealtimeDeps {
  auth: AuthService
  pods: PodsService
  publisher: PodPublisher
  runtime: PodRuntime
  bus: Bus
  clock: Clock
  log: Logger
  /** Which pages may open a socket: PUBLIC_URL's, the requested host and NEUROPOD_CORS_ORIGINS */
  origins: OriginPolicy
  /** Requests addressed to pod hosts belong to the pod, never to the platform's socket server */
  podDomain: string
}

const MAX_FOLLOWS_PER_SOCKET = 10
const LOG_BATCH_MS = 100

/**
 * Socket.IO on the API's port. Rooms: `user:<id>` (every socket), `admins` (admins),
 * `pod:<podId>` (after an access check on each subscribe), plus `session:<id>` / `apikey:<id>` so
 * revocations can disconnect exactly the right sockets. Nothing is emitted to all sockets.
 */
export function createRealtime(deps: RealtimeDeps) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>({
    serveClient: false,
  })
  // The engine is driven by the HTTP dispatcher (platform/http-server.ts), which hands it only
  // /socket.io/ requests addressed to the platform, never those addressed to a pod host.
  const engine = new EngineServer({
    pingInterval: 25_000,
    pingTimeout: 20_000,
    maxHttpBufferSize: 64 * 1024,
    // Pod pages are same-site with the platform and WebSockets ignore CORS: only trusted pages
    // (or non-browser clients, which send no Origin) may open a socket.
    allowRequest: (req, callback) => {
      const refusal = handshakeRefusal(req.headers.origin, req.headers.host, deps)
      if (refusal)
        deps.log.info({ origin: req.headers.origin, host: req.headers.host }, `socket refused: ${refusal}`)
      callback(refusal, refusal === null)
    },
    // Long-polling is plain HTTP: the listed origins need CORS answers to read it with credentials.
    ...(deps.origins.corsOrigins.length > 0
      ? { cors: { origin: [...deps.origins.corsOrigins], credentials: true } }
      : {}),
  })
  io.bind(engine)
  const now = () => deps.clock.now().toISOString()

  io.use(
    authenticateHandshake(deps, 'socket', (socket: NeuroSocket) => {
      socket.data.follows = new Map()
    }),
  )

  io.on('connection', (socket: NeuroSocket) => {
    const p = socket.data.principal
    void socket.join(`user:${p.userId}`)
    if (p.sessionId) void socket.join(`session:${p.sessionId}`)
    if (p.apiKeyId) void socket.join(`apikey:${p.apiKeyId}`)
    if (p.role === 'admin') void socket.join('admins')
    socket.emit('connected', {
      type: 'connected',
      message: `Connected as ${p.name}`,
      userId: p.userId,
      role: p.role,
      version: REALTIME_VERSION,
      timestamp: now(),
    })

    const fail = (type: RealtimeErrorType, message: string, podId?: string) =>
      socket.emit('error', { type, message, ...(podId ? { podId } : {}), timestamp: now() })

    /** Re-checks the credential (cached, revocations apply at once) and the pod's access. */
    const authorize = async (payload: unknown): Promise<{ principal: Principal; podId: string } | null> => {
      const podId =
        typeof payload === 'object' && payload !== null ? (payload as { podId?: unknown }).podId : undefined
      if (typeof podId !== 'string' || !podId) {
        fail('INVALID_REQUEST', 'podId is required')
        return null
      }
      const principal = await deps.auth.authenticate(socket.data.token)
      if (!principal) {
        fail('SESSION_EXPIRED', 'Your session has ended')
        socket.disconnect(true)
        return null
      }
      try {
        await deps.pods.accessible(principal, podId)
      } catch (error) {
        if (error instanceof AppError && error.status === 404) fail('POD_NOT_FOUND', 'Pod not found', podId)
        else if (error instanceof AppError && error.status === 403)
          fail('ACCESS_DENIED', 'No access to this pod', podId)
        else throw error
        return null
      }
      return { principal, podId }
    }

    socket.on('subscribe', async (payload) => {
      try {
        const ok = await authorize(payload)
        if (!ok) return
        await socket.join(`pod:${ok.podId}`)
        const pod = await deps.publisher.view(ok.podId)
        if (pod) socket.emit('podUpdate', podUpdatePayload(pod, null, deps.clock.now()))
        socket.emit('subscribed', {
          podId: ok.podId,
          message: `Subscribed to pod ${pod?.podName ?? ok.podId}`,
        })
      } catch (error) {
        deps.log.error({ err: error }, 'subscribe failed')
        fail('SUBSCRIPTION_ERROR', 'Failed to subscribe to pod updates')
      }
    })

    socket.on('unsubscribe', async (payload) => {
      const podId = typeof payload === 'object' && payload !== null ? payload.podId : undefined
      if (typeof podId !== 'string' || !podId) {
        fail('INVALID_REQUEST', 'podId is required')
        return
      }
      await socket.leave(`pod:${podId}`)
      socket.data.follows.get(podId)?.abort()
      socket.emit('unsubscribed', { podId, message: `Unsubscribed from pod ${podId}` })
    })

    socket.on('requestLogs', async (payload: LogsRequest) => {
      try {
        const ok = await authorize(payload)
        if (!ok) return
        const tail = Math.min(
          5000,
          Math.max(1, Number.isInteger(payload.tail) ? (payload.tail as number) : 200),
        )
        if (!payload.follow) {
          const result = await deps.runtime.logs(ok.podId, tail)
          socket.emit('podLogs', {
            type: 'podLogs',
            podId: ok.podId,
            logs: result.lines,
            follow: false,
            initial: true,
            available: result.available,
            reason: result.reason,
            timestamp: now(),
          })
          return
        }
        socket.data.follows.get(ok.podId)?.abort()
        if (socket.data.follows.size >= MAX_FOLLOWS_PER_SOCKET) {
          fail('LOGS_ERROR', `At most ${MAX_FOLLOWS_PER_SOCKET} log streams per connection`, ok.podId)
          return
        }
        const controller = new AbortController()
        socket.data.follows.set(ok.podId, controller)
        followLogs(socket, ok.podId, tail, controller, deps, now)
      } catch (error) {
        deps.log.error({ err: error }, 'requestLogs failed')
        fail('LOGS_ERROR', 'Failed to get pod logs')
      }
    })

    socket.on('stopLogs', (payload) => {
      const podId = typeof payload === 'object' && payload !== null ? payload.podId : undefined
      if (typeof podId === 'string') socket.data.follows.get(podId)?.abort()
    })

    socket.on('ping', () => {
      deps.auth.markSeen(socket.data.principal)
      socket.emit('pong', { timestamp: now() })
    })

    socket.on('disconnect', () => {
      for (const c of socket.data.follows.values()) c.abort()
      socket.data.follows.clear()
    })
  })

  const unsubscribe = deps.bus.subscribe((message) => void route(message))

  async function route(m: BusMessage): Promise<void> {
    try {
      switch (m.kind) {
        case 'pod':
          return toPodRooms(m)
        case 'pod-reload': {
          // Too large for the bus: this replica rebuilds it from the database.
          const rebuilt = await deps.publisher.rebuild(m)
          if (rebuilt) toPodRooms(rebuilt)
          return
        }
        case 'user':
          return toUser(m)
        case 'admins':
          io.local.to('admins').emit('adminNotification', m.payload)
          return
        case 'pod-metrics':
          for (const sample of m.samples) io.local.to(`pod:${sample.podId}`).emit('podMetrics', sample)
          return
        case 'access-revoked': {
          const room = m.apiKeyId
            ? `apikey:${m.apiKeyId}`
            : m.sessionId
              ? `session:${m.sessionId}`
              : `user:${m.userId}`
          io.local.in(room).disconnectSockets(true)
          return
        }
        default:
          return
      }
    } catch (error) {
      deps.log.error({ err: error }, 'realtime routing failed')
    }
  }

  function toPodRooms(m: PodMessage): void {
    const rooms = io.local.to([`user:${m.userId}`, 'admins', `pod:${m.podId}`])
    switch (m.event) {
      case 'podUpdate':
        rooms.emit('podUpdate', m.payload)
        return
      case 'podCreated':
        rooms.emit('podCreated', m.payload)
        return
      case 'podEvent':
        rooms.emit('podEvent', m.payload)
        return
      case 'podDeleted':
        rooms.emit('podDeleted', m.payload)
        io.local.in(`pod:${m.podId}`).socketsLeave(`pod:${m.podId}`)
        return
    }
  }

  function toUser(m: UserMessage): void {
    const room = io.local.to(`user:${m.userId}`)
    if (m.event === 'balanceUpdate') room.emit('balanceUpdate', m.payload)
    else if (m.event === 'podIdleWarning') room.emit('podIdleWarning', m.payload)
    else room.emit('lowBalanceAlert', m.payload)
  }

  return {
    io,
    engine,
    async close(): Promise<void> {
      unsubscribe()
      io.local.disconnectSockets(true)
      // Not io.close(): that would also close the HTTP server, which Fastify closes gracefully itself.
      engine.close()
    },
  }
}

function followLogs(
  socket: NeuroSocket,
  podId: string,
  tail: number,
  controller: AbortController,
  deps: RealtimeDeps,
  now: () => string,
): void {
  let pending: LogLineOut[] = []
  let initial = true
  let timer: NodeJS.Timeout | null = null
  const flush = () => {
    timer = null
    if (pending.length === 0) return
    socket.emit('podLogs', {
      type: 'podLogs',
      podId,
      logs: pending,
      follow: true,
      initial,
      available: true,
      reason: null,
      timestamp: now(),
    })
    pending = []
    initial = false
  }
  deps.runtime
    .followLogs(podId, tail, controller.signal, (lines) => {
      pending.push(...lines)
      timer ??= setTimeout(flush, LOG_BATCH_MS)
    })
    .catch((error: unknown) => {
      socket.emit('podLogs', {
        type: 'podLogs',
        podId,
        logs: [],
        follow: false,
        initial,
        available: false,
        reason: error instanceof Error ? error.message : 'The log stream ended',
        timestamp: now(),
      })
    })
    .finally(() => {
      if (timer) clearTimeout(timer)
      flush()
      if (socket.data.follows.get(podId) === controller) socket.data.follows.delete(podId)
    })
}

/** Why a handshake is refused (null: accepted); the reason is logged and sent to the client. */
function handshakeRefusal(
  origin: string | undefined,
  host: string | undefined,
  deps: Pick<RealtimeDeps, 'origins' | 'podDomain'>,
): string | null {
  if (parsePodHost(host, deps.podDomain) !== null) return 'sockets are not served on pod hosts'
  const verdict = deps.origins.check(origin, host)
  return verdict.allowed ? null : verdict.reason
}

/** The credential a socket presents: `auth.token`, else the session cookie (any namespace). */
/**
 * Socket.IO middleware for the main socket and the terminal namespace alike: the handshake's token
 * (auth field or session cookie) must name a live credential; the principal and token go into
 * `socket.data`, then `init` sets up the rest of it.
 */
export function authenticateHandshake<S extends Pick<Socket, 'handshake'> & { data: Partial<HandshakeData> }>(
  deps: { auth: Pick<AuthService, 'authenticate'>; log: Logger },
  what: string,
  init: (socket: S) => void,
): (socket: S, next: (error?: Error) => void) => Promise<void> {
  return async (socket, next) => {
    try {
      const token = handshakeToken(socket)
      const principal = token ? await deps.auth.authenticate(token) : null
      if (!token || !principal) return next(new Error('Invalid or expired token'))
      socket.data.principal = principal
      socket.data.token = token
      init(socket)
      next()
    } catch (error) {
      deps.log.error({ err: error }, `${what} authentication failed`)
      next(new Error('Authentication failed'))
    }
  }
}

interface HandshakeData {
  principal: Principal
  token: string
}

export function handshakeToken(socket: Pick<Socket, 'handshake'>): string | null {
  const auth = socket.handshake.auth as { token?: unknown } | undefined
  if (typeof auth?.token === 'string' && auth.token) return auth.token.replace(/^Bearer\s+/i, '')
  const cookie = socket.handshake.headers.cookie
  if (!cookie) return null
  for (const part of cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (name === SESSION_COOKIE) return decodeURIComponent(rest.join('='))
  }
  return null
}
