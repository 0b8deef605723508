import http from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { downstreamResponseHeaders, rawResponseHead } from './forward-headers.js'
import type { ResponseHead } from './http1/response-parser.js'
import { type UpstreamConnection, type UpstreamExchange, UpstreamPool } from './http1/upstream-pool.js'
import type { Endpoint } from './route-table.js'

/**
 * Moves bytes between a client and a pod, streaming both ways with backpressure: request bodies
 * go on as they arrive (a 50 GB upload never sits in memory), responses as the pod writes them
 * (SSE and chunked responses reach the browser at once), and WebSocket connections become a raw
 * TCP tunnel. HTTP goes over pooled keep-alive connections with the proxy's own HTTP/1.1 client
 * (http1/): on this path `http.request` and undici cost twice the CPU per request (measured with
 * `npm run bench:proxy`). Nothing times out an open exchange: long-lived connections live as long
 * as both ends want; only connecting to a pod has a limit.
 */

export interface ForwardHooks {
  /** The exchange carried data (the request started, a streamed chunk or a WebSocket frame passed) */
  activity(): void
  /** Nothing was sent to the client yet and the pod could not be reached */
  failed(error: NodeJS.ErrnoException): void
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS'])
const REFUSAL_BODY_LIMIT = 64 * 1024

export class Forwarder {
  /** Keep-alive connections to pods, with a lean HTTP/1.1 client (see http1/response-parser.ts). */
  private readonly pool: UpstreamPool
  private readonly open = new Set<{ destroy(): void }>()

  constructor(private readonly connectTimeoutMs: number) {
    this.pool = new UpstreamPool(connectTimeoutMs)
  }

  /** Exchanges in progress (for a graceful shutdown). */
  get active(): number {
    return this.open.size
  }

  forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    endpoint: Endpoint,
    headers: string[],
    hooks: ForwardHooks,
  ): void {
    new Exchange(this.pool, this.open, req, res, endpoint, headers, hooks).start(true)
  }

  /** A WebSocket (or any HTTP/1.1 upgrade): handshake with the pod, then a raw two-way tunnel. */
  tunnel(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    endpoint: Endpoint,
    headers: string[],
    hooks: ForwardHooks,
  ): void {
    const upstream = http.request({
      host: endpoint.host,
      port: endpoint.port,
      method: req.method,
      path: req.url,
      headers: headers as unknown as http.OutgoingHttpHeaders,
      agent: false,
      setHost: false,
    })
    this.guardConnect(upstream)
    const handle = {
      destroy: () => {
        upstream.destroy()
        socket.destroy()
      },
    }
    this.open.add(handle)
    socket.on('close', () => {
      this.open.delete(handle)
      upstream.destroy()
    })
    socket.on('error', () => upstream.destroy())

    upstream.on('upgrade', (upstreamRes, podSocket: Socket, podHead: Buffer) => {
      tuneSocket(podSocket)
      tuneSocket(socket as Socket)
      socket.write(
        rawResponseHead(101, 'Switching Protocols', downstreamResponseHeaders(upstreamRes.rawHeaders, true)),
      )
      if (podHead.length > 0) socket.write(podHead)
      if (head.length > 0) podSocket.write(head)
      const activity = () => hooks.activity()
      podSocket.on('data', activity)
      socket.on('data', activity)
      podSocket.on('error', () => socket.destroy())
      podSocket.on('close', () => socket.destroy())
      socket.on('close', () => podSocket.destroy())
      podSocket.pipe(socket)
      socket.pipe(podSocket)
      hooks.activity()
    })
    // The pod answered the handshake with an ordinary response (401, 404…): relay it and close.
    upstream.on('response', (upstreamRes) => {
      const chunks: Buffer[] = []
      let size = 0
      upstreamRes.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= REFUSAL_BODY_LIMIT) chunks.push(chunk)
      })
      upstreamRes.on('end', () => {
        const body = Buffer.concat(chunks)
        const headerPairs = dropPairs(
          downstreamResponseHeaders(upstreamRes.rawHeaders),
          /^(content-length|transfer-encoding)$/i,
        )
        headerPairs.push('Content-Length', String(body.length), 'Connection', 'close')
        socket.end(
          Buffer.concat([
            Buffer.from(
              rawResponseHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage ?? '', headerPairs),
            ),
            body,
          ]),
        )
      })
      upstreamRes.on('error', () => socket.destroy())
    })
    upstream.on('error', (error: NodeJS.ErrnoException) => hooks.failed(error))
    upstream.end()
  }

  /** Ends every exchange still open (shutdown) and closes pooled connections. */
  close(): void {
    for (const handle of this.open) handle.destroy()
    this.open.clear()
    this.pool.close()
  }

  /** Connecting must not hang for minutes on an unreachable address; an open exchange may idle. */
  private guardConnect(upstream: http.ClientRequest): void {
    const timeoutMs = this.connectTimeoutMs
    upstream.once('socket', (socket: Socket) => {
      if (!socket.connecting) return
      const timer = setTimeout(() => {
        const error: NodeJS.ErrnoException = new Error(`connect timed out after ${timeoutMs} ms`)
        error.code = 'ETIMEDOUT'
        upstream.destroy(error)
      }, timeoutMs)
      socket.once('connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
  }
}

function tuneSocket(socket: Socket): void {
  socket.setTimeout(0)
  socket.setNoDelay(true)
  socket.setKeepAlive(true, 30_000)
}

function dropPairs(headers: string[], pattern: RegExp): string[] {
  const out: string[] = []
  for (let i = 0; i < headers.length; i += 2)
    if (!pattern.test(headers[i]!)) out.push(headers[i]!, headers[i + 1]!)
  return out
}

/**
 * One proxied HTTP exchange on a pooled connection: the request head is written in one go, its
 * body streamed as it arrives (re-framed as chunked when the client sent it chunked), and the
 * response relayed as it arrives, pausing the pod while the client cannot keep up.
 */
class Exchange implements UpstreamExchange {
  private connection: UpstreamConnection | null = null
  private streaming = false
  private done = false
  private requestSent = false
  private retriable = false
  private readonly hasBody: boolean

  constructor(
    private readonly pool: UpstreamPool,
    private readonly open: Set<{ destroy(): void }>,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly endpoint: Endpoint,
    private readonly headers: string[],
    private readonly hooks: ForwardHooks,
  ) {
    this.hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
  }

  start(firstAttempt: boolean): void {
    const { endpoint } = this
    if (firstAttempt) {
      this.open.add(this)
      this.res.once('close', () => this.clientClosed())
      if (this.hasBody) this.req.once('error', () => this.destroy())
    }
    const idempotent = IDEMPOTENT.has(this.req.method ?? '')
    this.retriable = firstAttempt && idempotent && !this.hasBody
    endpoint.key ??= `${endpoint.host}:${endpoint.port}`
    this.pool.acquire(
      endpoint.host,
      endpoint.port,
      endpoint.key,
      !firstAttempt ? 'none' : this.retriable ? 'any' : 'recent',
      (error, connection) => this.connected(error, connection),
    )
  }

  private connected(error: Error | null, connection: UpstreamConnection | null): void {
    if (error || !connection) {
      this.finish()
      if (!this.res.destroyed) this.hooks.failed(error as NodeJS.ErrnoException)
      return
    }
    if (this.done || this.res.destroyed) {
      this.pool.release(connection, true)
      return
    }
    this.connection = connection
    connection.exchange = this
    const req = this.req
    connection.parser.expect(req.method ?? 'GET')
    const chunked = this.hasBody && req.headers['content-length'] === undefined
    let head = `${req.method} ${req.url} HTTP/1.1\r\n`
    const headers = this.headers
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
    if (chunked) head += 'Transfer-Encoding: chunked\r\n'
    const socket = connection.socket
    socket.write(`${head}\r\n`, 'latin1')
    if (!this.hasBody) {
      this.requestSent = true
      return
    }
    req.on('data', (chunk: Buffer) => {
      if (this.connection !== connection) return
      const ok = chunked
        ? socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1') &&
          socket.write(chunk) &&
          socket.write('\r\n', 'latin1')
        : socket.write(chunk)
      if (!ok) {
        req.pause()
        socket.once('drain', () => req.resume())
      }
    })
    req.once('end', () => {
      if (this.connection !== connection) return
      if (chunked) socket.write('0\r\n\r\n', 'latin1')
      this.requestSent = true
    })
  }

  onHead(head: ResponseHead): void {
    const res = this.res
    if (res.destroyed) return
    // Streams (SSE, chunked downloads) count as activity while they flow.
    this.streaming = head.contentLength === null
    res.writeHead(
      head.status,
      head.statusMessage,
      downstreamResponseHeaders(head.rawHeaders) as unknown as http.OutgoingHttpHeaders,
    )
  }

  onBody(chunk: Buffer): void {
    if (this.streaming) this.hooks.activity()
    if (!this.res.write(chunk)) {
      const socket = this.connection?.socket
      if (!socket) return
      socket.pause()
      this.res.once('drain', () => socket.resume())
    }
  }

  onComplete(): void {
    this.res.end()
    if (this.requestSent) {
      this.release()
      return
    }
    // The pod answered before reading the whole body (a refusal, say): that connection is in an
    // unknown state, so close it, and let the rest of the client's body drain into nothing.
    this.abandonConnection()
    this.req.resume()
  }

  onConnectionLost(error: Error): void {
    const connection = this.connection
    this.connection = null
    if (this.done) return
    if (this.res.headersSent) {
      this.finish()
      this.res.destroy()
      return
    }
    // The pod closed an idle keep-alive connection just as it was reused: try once on a new one.
    if (this.retriable && connection?.reused && !connection.parser.started) {
      this.start(false)
      return
    }
    this.finish()
    if (!this.res.destroyed) this.hooks.failed(error as NodeJS.ErrnoException)
  }

  /** Shutdown or a failed client request: abandon the exchange. */
  destroy(): void {
    this.connection?.destroy()
    this.connection = null
    this.finish()
    this.res.destroy()
  }

  private clientClosed(): void {
    if (this.done) return
    // The client left before the response ended: the connection is mid-message, close it.
    this.abandonConnection()
  }

  /** Ends the exchange and closes its connection, which is mid-message and cannot be reused. */
  private abandonConnection(): void {
    const connection = this.connection
    this.connection = null
    this.finish()
    if (connection) {
      connection.exchange = null
      connection.destroy()
    }
  }

  private release(): void {
    const connection = this.connection
    this.connection = null
    this.finish()
    if (connection) this.pool.release(connection, connection.parser.reusable)
  }

  private finish(): void {
    this.done = true
    this.open.delete(this)
  }
}
