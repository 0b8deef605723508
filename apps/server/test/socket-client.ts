import type { ClientToServerEvents, ServerToClientEvents } from '@neuropod/contracts'
import { io, type Socket } from 'socket.io-client'

export type PlatformSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/** A browser-like Socket.IO client signed in with `token`; resolves once connected. */
export async function connectSocket(url: string, token: string, origin: string): Promise<PlatformSocket> {
  const socket: PlatformSocket = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    extraHeaders: { origin },
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', (error) => reject(error))
  })
  return socket
}
