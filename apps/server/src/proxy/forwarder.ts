import http from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { Agent, type Dispatcher } from 'undici'
import type { IncomingHttpHeaders } from 'undici/types/header.js'
import { downstreamResponseHeaders, filterResponseHeaders, rawResponseHead } from './forward-headers.js'
import type { Endpoint } from './route-table.js'

/**
 * Moves bytes between a client and a pod, streaming both ways: request bodies are piped as they
 * arrive (a 50 GB upload never sits in memory), responses are piped as the pod writes them (SSE and
 * chunked responses reach the browser at once), and WebSocket connections become a raw TCP tunnel.
 * Nothing here times out an open exchange: long-lived connections live as long as both ends want.
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
  /**
   * HTTP to pods goes through undici: keep-alive pools per pod address and a client far cheaper
   * per request than `http.request` (the proxy's main cost besides the client's own connection).
   * No header or body timeouts: SSE streams and long polls may idle; connecting has a limit.
   */
  private readonly agent: Agent
  private readonly open = new Set<{ destroy(): void }>()

  constructor(private readonly connectTimeoutMs: number) {
    this.agent = new Agent({
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 10_000,
      connect: { timeout: connectTimeoutMs, noDelay: true },
    })
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
    new Exchange(this.agent, this.open, req, res, endpoint, headers, hooks).start(true)
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
    void this.agent.destroy().catch(() => {})
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
 * One proxied HTTP exchange, as an undici dispatch handler: the response is written to the client
 * as it arrives, pausing the pod while the client cannot keep up (backpressure both ways).
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null
  private streaming = false
  private retry = false

  constructor(
    private readonly agent: Agent,
    private readonly open: Set<{ destroy(): void }>,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly endpoint: Endpoint,
    private readonly headers: string[],
    private readonly hooks: ForwardHooks,
  ) {}

  start(mayRetry: boolean): void {
    const { req, endpoint } = this
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
    this.open.add(this)
    if (mayRetry) {
      this.res.once('close', () => {
        this.open.delete(this)
        // The client left before the response ended: stop the pod's side too.
        if (!this.res.writableFinished) this.controller?.abort(new Error('client closed the connection'))
      })
      if (hasBody) req.once('error', () => this.controller?.abort(new Error('client request failed')))
    }
    this.retry = mayRetry && !hasBody && IDEMPOTENT.has(req.method ?? '')
    // One string per pod address, so the pool lookup hashes it once.
    endpoint.origin ??= `http://${endpoint.host}:${endpoint.port}`
    this.agent.dispatch(
      {
        origin: endpoint.origin,
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: this.headers,
        body: hasBody ? req : null,
      },
      this,
    )
  }

  /** Shutdown: abort the exchange. */
  destroy(): void {
    this.controller?.abort(new Error('proxy shutting down'))
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    // Informational answers (103 Early Hints) are not relayed; the final one follows.
    if (statusCode < 200) return
    const res = this.res
    if (res.destroyed) {
      controller.abort(new Error('client closed the connection'))
      return
    }
    // Streams (SSE, chunked downloads) count as activity while they flow.
    this.streaming = headers['content-length'] === undefined
    res.writeHead(statusCode, statusMessage, filterResponseHeaders(headers))
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.streaming) this.hooks.activity()
    if (!this.res.write(chunk)) {
      controller.pause()
      this.res.once('drain', () => controller.resume())
    }
  }

  onResponseEnd(): void {
    this.open.delete(this)
    this.res.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.open.delete(this)
    const res = this.res
    if (res.headersSent || res.destroyed) {
      res.destroy()
      return
    }
    // The pod closed an idle keep-alive connection just as it was reused: try once on a new one.
    if (this.retry && (error as NodeJS.ErrnoException).code === 'UND_ERR_SOCKET') {
      this.start(false)
      return
    }
    this.hooks.failed(error as NodeJS.ErrnoException)
  }
}
