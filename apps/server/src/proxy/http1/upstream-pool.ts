import net from 'node:net'
import { monotonicMs } from '../../lib/clock.js'
import {
  type ResponseHead,
  ResponseParseError,
  ResponseParser,
  type ResponseSink,
} from './response-parser.js'

/**
 * Keep-alive connections to pods, one idle list per address (used last-in first-out, so the pool
 * stays small and warm). A connection carries one exchange at a time; its socket listeners are
 * attached once and forward to whichever exchange holds it, so a request costs no listener churn.
 */

export interface UpstreamExchange extends ResponseSink {
  /** The connection failed or closed before the response completed. */
  onConnectionLost(error: Error): void
}

/** Pods that announce nothing get this idle limit (Node servers close idle connections after 5 s). */
const DEFAULT_IDLE_MS = 4000
/** A request that cannot be retried (it has a body) only reuses a connection this fresh. */
const SAFE_REUSE_MS = 1000
const SWEEP_MS = 1000

export class UpstreamConnection {
  readonly parser: ResponseParser
  exchange: UpstreamExchange | null = null
  idleSince = 0
  maxIdleMs = DEFAULT_IDLE_MS
  /** Served at least one exchange before the current one (a stale-socket failure may be retried) */
  reused = false
  private closed = false

  constructor(
    readonly socket: net.Socket,
    readonly key: string,
    private readonly pool: UpstreamPool,
  ) {
    this.parser = new ResponseParser({
      onHead: (head: ResponseHead) => {
        if (head.keepAliveTimeoutMs !== null)
          this.maxIdleMs = Math.max(0, Math.min(DEFAULT_IDLE_MS, head.keepAliveTimeoutMs - 1000))
        this.exchange?.onHead(head)
      },
      onBody: (chunk) => this.exchange?.onBody(chunk),
      onComplete: () => this.exchange?.onComplete(),
    })
    socket.on('data', (data: Buffer) => {
      if (!this.exchange) {
        // Nothing was asked: the pod broke the protocol. Never reuse this connection.
        this.destroy()
        return
      }
      try {
        this.parser.execute(data)
      } catch (error) {
        this.lose(error instanceof ResponseParseError ? error : new ResponseParseError(String(error)))
      }
    })
    socket.on('end', () => {
      if (this.exchange && this.parser.end()) {
        this.closed = true
        return
      }
      this.lose(connectionClosed())
    })
    socket.on('error', (error) => this.lose(error))
    socket.on('close', () => this.lose(connectionClosed()))
  }

  get usable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable
  }

  destroy(): void {
    this.closed = true
    this.pool.forget(this)
    this.socket.destroy()
  }

  private lose(error: Error): void {
    const exchange = this.exchange
    this.exchange = null
    this.closed = true
    this.pool.forget(this)
    this.socket.destroy()
    exchange?.onConnectionLost(error)
  }
}

export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConnection[]>()
  private readonly sweeper: NodeJS.Timeout
  private readonly all = new Set<UpstreamConnection>()

  constructor(private readonly connectTimeoutMs: number) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS)
    this.sweeper.unref()
  }

  /**
   * A connection for one exchange: the most recently used idle one, else a new one. `reuse`:
   * `any` for requests that can be retried on a new connection if the reused one turns out closed,
   * `recent` (only connections idle under a second) for those that cannot, `none` for a retry.
   */
  acquire(
    host: string,
    port: number,
    key: string,
    reuse: 'any' | 'recent' | 'none',
    ready: (error: Error | null, connection: UpstreamConnection | null) => void,
  ): void {
    const list = reuse === 'none' ? undefined : this.idle.get(key)
    if (list) {
      const now = monotonicMs()
      while (list.length > 0) {
        const connection = list.pop()!
        if (!connection.usable) continue
        if (reuse === 'recent' && now - connection.idleSince > SAFE_REUSE_MS) {
          connection.destroy()
          continue
        }
        connection.reused = true
        ready(null, connection)
        return
      }
    }
    const socket = net.connect({ host, port, noDelay: true })
    const connection = new UpstreamConnection(socket, key, this)
    this.all.add(connection)
    const timer = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`connect timed out after ${this.connectTimeoutMs} ms`)
      error.code = 'ETIMEDOUT'
      socket.destroy(error)
    }, this.connectTimeoutMs)
    const failed = (error: Error) => {
      clearTimeout(timer)
      ready(error, null)
    }
    socket.once('error', failed)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.off('error', failed)
      socket.setKeepAlive(true, 30_000)
      ready(null, connection)
    })
  }

  /** The exchange is over; keep the connection for the next one if it may carry it. */
  release(connection: UpstreamConnection, reusable: boolean): void {
    connection.exchange = null
    if (!reusable || !connection.usable || connection.maxIdleMs === 0) {
      connection.destroy()
      return
    }
    // Paused for a slow client on the last chunk: the next exchange must read again.
    if (connection.socket.isPaused()) connection.socket.resume()
    connection.idleSince = monotonicMs()
    let list = this.idle.get(connection.key)
    if (!list) {
      list = []
      this.idle.set(connection.key, list)
    }
    list.push(connection)
  }

  forget(connection: UpstreamConnection): void {
    this.all.delete(connection)
    const list = this.idle.get(connection.key)
    if (!list) return
    const i = list.indexOf(connection)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.idle.delete(connection.key)
  }

  close(): void {
    clearInterval(this.sweeper)
    for (const connection of [...this.all]) connection.destroy()
    this.idle.clear()
  }

  /** Closes connections idle longer than the pod keeps them (it may close them any moment). */
  private sweep(): void {
    const now = monotonicMs()
    for (const list of [...this.idle.values()])
      for (const connection of [...list])
        if (now - connection.idleSince > connection.maxIdleMs) connection.destroy()
  }
}

function connectionClosed(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('the pod closed the connection')
  error.code = 'ECONNRESET'
  return error
}
