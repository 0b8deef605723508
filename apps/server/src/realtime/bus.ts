import { EventEmitter } from 'node:events'
import pg from 'pg'
import type { BusMessage, PodReloadMessage } from './messages.js'

export type { BusMessage } from './messages.js'

/**
 * Fan-out between replicas. With PGlite (one process) it is an in-process emitter; with PostgreSQL
 * it is LISTEN/NOTIFY, so every replica's sockets and caches hear every change. Messages are also
 * delivered locally at once, so a single replica never waits for the database round-trip.
 *
 * Publish only what has committed: inside a transaction, hand the message to `tx.afterCommit`
 * (db/transaction.ts) so a rollback publishes nothing (ADR 0012).
 */
export interface Bus {
  publish(message: BusMessage): void
  subscribe(handler: (message: BusMessage) => void): () => void
  close(): Promise<void>
}

export class LocalBus implements Bus {
  private readonly emitter = new EventEmitter().setMaxListeners(0)

  publish(message: BusMessage): void {
    this.emitter.emit('message', message)
  }

  subscribe(handler: (message: BusMessage) => void): () => void {
    this.emitter.on('message', handler)
    return () => this.emitter.off('message', handler)
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners()
  }
}

const CHANNEL = 'neuropod_bus'
// NOTIFY payloads are limited to 8000 bytes.
export const MAX_NOTIFY_BYTES = 7800

interface Envelope {
  from: string
  message: BusMessage
}

/**
 * What crosses to other replicas: the message itself, or, when it is too large for NOTIFY (a pod
 * view with a large environment), a reference from which they rebuild it. Null when neither fits.
 */
export function notifyPayload(replicaId: string, message: BusMessage): string | null {
  const payload = JSON.stringify({ from: replicaId, message } satisfies Envelope)
  if (Buffer.byteLength(payload) <= MAX_NOTIFY_BYTES) return payload
  const reference = reloadReference(message)
  return reference ? JSON.stringify({ from: replicaId, message: reference } satisfies Envelope) : null
}

function reloadReference(message: BusMessage): PodReloadMessage | null {
  if (message.kind !== 'pod') return null
  const base = { kind: 'pod-reload', podId: message.podId, userId: message.userId } as const
  switch (message.event) {
    case 'podUpdate':
      return { ...base, event: 'podUpdate', message: message.payload.message ?? null }
    case 'podCreated':
      return { ...base, event: 'podCreated', createdBy: message.payload.createdBy }
    case 'podEvent':
      return { ...base, event: 'podEvent', eventId: message.payload.event.id }
    default:
      // A deletion carries only ids and a (validated) name.
      return null
  }
}

export class PostgresBus implements Bus {
  private readonly local = new LocalBus()
  private client: pg.Client | null = null
  private sender: pg.Pool
  private closed = false
  private reconnectTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly connectionString: string,
    private readonly replicaId: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.sender = new pg.Pool({ connectionString, max: 2 })
    this.sender.on('error', onError)
  }

  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString })
    client.on('notification', (n) => {
      if (!n.payload) return
      try {
        const envelope = JSON.parse(n.payload) as Envelope
        if (envelope.from !== this.replicaId) this.local.publish(envelope.message)
      } catch (error) {
        this.onError(error)
      }
    })
    client.on('error', (error) => {
      this.onError(error)
      this.scheduleReconnect()
    })
    await client.connect()
    await client.query(`LISTEN ${CHANNEL}`)
    this.client = client
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return
    this.client = null
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.connect().catch((error) => {
        this.onError(error)
        this.scheduleReconnect()
      })
    }, 1000)
  }

  publish(message: BusMessage): void {
    this.local.publish(message)
    const payload = notifyPayload(this.replicaId, message)
    if (payload === null) {
      this.onError(new Error(`Bus message too large: ${message.kind}`))
      return
    }
    this.sender.query('select pg_notify($1, $2)', [CHANNEL, payload]).catch(this.onError)
  }

  subscribe(handler: (message: BusMessage) => void): () => void {
    return this.local.subscribe(handler)
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    await this.client?.end().catch(() => {})
    await this.sender.end().catch(() => {})
    await this.local.close()
  }
}
