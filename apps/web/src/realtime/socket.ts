import type { ClientToServerEvents, PodLogsEvent, ServerToClientEvents } from '@neuropod/contracts'
import { io, type Socket } from 'socket.io-client'
import { REALTIME_EVENT_NAMES, type RealtimeEvent } from './events'

export type SocketStatus = 'connecting' | 'live' | 'offline'
export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export interface RealtimeHandlers {
  onEvent(event: RealtimeEvent): void
  onStatus(status: SocketStatus): void
  /** On every (re)connection: events may have been missed, so cached lists must be refreshed. */
  onResync(): void
  /** The server refused the session (expired or revoked). */
  onRejected(): void
}

/**
 * One Socket.IO connection per signed-in tab. The browser's session cookie authenticates it (the
 * contract allows a cookie in place of `auth.token`, and the page never holds the token).
 * Socket.IO retries forever with backoff; the status is always visible in the shell.
 */
export function connectRealtime(handlers: RealtimeHandlers): RealtimeSocket {
  const socket: RealtimeSocket = io({
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    withCredentials: true,
    reconnectionDelayMax: 10_000,
  })
  handlers.onStatus('connecting')
  socket.on('connect', () => {
    handlers.onStatus('live')
    // Lists fetched before the socket was up (or during a disconnection) may have missed events.
    handlers.onResync()
  })
  socket.on('disconnect', (reason) => {
    handlers.onStatus(reason === 'io client disconnect' ? 'offline' : 'connecting')
    // The server ends sockets of revoked sessions; socket.io does not retry those by itself.
    if (reason === 'io server disconnect') handlers.onRejected()
  })
  socket.on('connect_error', (error) => {
    handlers.onStatus('offline')
    if (/token|auth/i.test(error.message)) handlers.onRejected()
  })
  for (const name of REALTIME_EVENT_NAMES) {
    socket.on(name, ((payload: never) => handlers.onEvent({ name, payload } as RealtimeEvent)) as never)
  }
  return socket
}

export type LogsListener = (event: PodLogsEvent) => void
