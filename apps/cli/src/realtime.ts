import type { ClientToServerEvents, ServerToClientEvents } from '@neuropod/contracts'
import { io, type Socket } from 'socket.io-client'
import type { ApiClient } from './client.js'

export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/** A socket authenticated with the CLI's credential (waits and log follows; never polling). */
export function openSocket(api: ApiClient): RealtimeSocket {
  return io(api.baseUrl, { auth: { token: api.token }, transports: ['websocket'] })
}
