import { EventEmitter } from 'node:events'
import pg from 'pg'

/**
 * Fan-out between replicas. With PGlite (one process) it is an in-process emitter; with PostgreSQL
 * it is LISTEN/NOTIFY, so every replica's sockets and caches hear every change. Messages are also
 * delivered locally at once, so a single replica never waits for the database round-trip.
 */
export type BusMessage =
  | {
      kind: 'pod'
      podId: string
      userId: string
      event: 'podUpdate' | 'podCreated' | 'podDeleted' | 'podEvent'
      payload: unknown
    }
  | { kind: 'user'; userId: string; event: 'balanceUpdate' | 'lowBalanceAlert'; payload: unknown }
  | { kind: 'admins'; event: 'adminNotification'; payload: unknown }
  /**
   * Cached credentials are stale: drop them and disconnect the matching sockets. Targets one API key,
   * one session, or (both null) every credential of the user, e.g. after a role change.
   */
  | { kind: 'access-revoked'; userId: string; sessionId: string | null; apiKeyId?: string | null }
  | { kind: 'catalog-changed' }
  | { kind: 'reconcile'; podId: string }

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
const MAX_PAYLOAD = 7800

interface Envelope {
  from: string
  message: BusMessage
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
    let payload = JSON.stringify({ from: this.replicaId, message } satisfies Envelope)
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
      // Too big for NOTIFY (a pod with a large environment): other replicas get a reference and reload it.
      if (message.kind !== 'pod') {
        this.onError(new Error(`Bus message too large: ${message.kind}`))
        return
      }
      payload = JSON.stringify({
        from: this.replicaId,
        message: { ...message, payload: { reload: true } },
      } satisfies Envelope)
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
