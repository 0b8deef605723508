import {
  TERMINAL_NAMESPACE,
  type TerminalClientEvents,
  type TerminalOpenAck,
  type TerminalServerEvents,
} from '@neuropod/contracts'
import { io, type Socket } from 'socket.io-client'

export type TerminalSocket = Socket<TerminalServerEvents, TerminalClientEvents>

export interface TerminalConnection {
  send(data: string): void
  resize(cols: number, rows: number): void
  close(): void
}

export interface TerminalCallbacks {
  onOpen(): void
  onData(bytes: Uint8Array): void
  onExit(code: number | null): void
  onRefused(ack: Extract<TerminalOpenAck, { ok: false }>): void
  onDisconnected(): void
}

/**
 * One shell in a pod over the `/terminal` namespace (the session cookie signs it in, as the main
 * socket). Output that arrives before the open is acknowledged is kept for the session it names.
 * Closing ends the shell in the pod; so does closing the tab (the socket goes away).
 */
export function openTerminal(
  podId: string,
  size: { cols: number; rows: number },
  callbacks: TerminalCallbacks,
): TerminalConnection {
  const socket: TerminalSocket = io(TERMINAL_NAMESPACE, {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    withCredentials: true,
    // A new shell is a new process: the user decides to open one again.
    reconnection: false,
  })
  let sessionId: string | null = null
  const early = new Map<string, Uint8Array[]>()
  const encoder = new TextEncoder()
  socket.on('data', (message) => {
    const bytes = new Uint8Array(message.data as ArrayBuffer)
    if (message.sessionId === sessionId) callbacks.onData(bytes)
    else if (sessionId === null)
      early.set(message.sessionId, [...(early.get(message.sessionId) ?? []), bytes])
  })
  socket.on('exit', (message) => {
    if (message.sessionId !== sessionId) return
    callbacks.onExit(message.code)
    socket.disconnect()
  })
  socket.on('connect', () => {
    socket.emit('open', { podId, ...size }, (ack) => {
      if (!ack.ok) {
        callbacks.onRefused(ack)
        socket.disconnect()
        return
      }
      sessionId = ack.sessionId
      callbacks.onOpen()
      for (const bytes of early.get(ack.sessionId) ?? []) callbacks.onData(bytes)
      early.clear()
    })
  })
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') callbacks.onDisconnected()
  })
  socket.on('connect_error', () => callbacks.onDisconnected())
  return {
    send: (data) => {
      if (sessionId) socket.emit('data', { sessionId, data: encoder.encode(data) })
    },
    resize: (cols, rows) => {
      if (sessionId) socket.emit('resize', { sessionId, cols, rows })
    },
    close: () => {
      if (sessionId) socket.emit('close', { sessionId })
      socket.disconnect()
    },
  }
}
