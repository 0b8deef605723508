import http from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { downstreamResponseHeaders, rawResponseHead } from './forward-headers.js'
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
  // Keep-alive to pods: a request costs no TCP handshake; LIFO keeps the pool small and warm.
  private readonly agent = new http.Agent({
    keepAlive: true,
    maxSockets: Number.POSITIVE_INFINITY,
    maxFreeSockets: 256,
    scheduling: 'lifo',
    noDelay: true,
  })
  private readonly open = new Set<{ destroy(): void }>()

  constructor(private readonly connectTimeoutMs: number) {}

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
    retry = true,
  ): void {
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
    const upstream = http.request({
      host: endpoint.host,
      port: endpoint.port,
      method: req.method,
      path: req.url,
      headers: headers as unknown as http.OutgoingHttpHeaders,
      agent: this.agent,
      setHost: false,
    })
    this.guardConnect(upstream)
    const handle = { destroy: () => upstream.destroy() }
    this.open.add(handle)

    upstream.on('response', (upstreamRes) => {
      res.writeHead(
        upstreamRes.statusCode ?? 502,
        upstreamRes.statusMessage,
        downstreamResponseHeaders(upstreamRes.rawHeaders) as unknown as http.OutgoingHttpHeaders,
      )
      // Streams (SSE, chunked downloads) count as activity while they flow.
      if (upstreamRes.headers['content-length'] === undefined) upstreamRes.on('data', hooks.activity)
      upstreamRes.pipe(res)
      upstreamRes.on('error', () => res.destroy())
    })
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      // The pod closed an idle keep-alive connection just as it was reused: try once on a new one.
      if (retry && upstream.reusedSocket && !hasBody && IDEMPOTENT.has(req.method ?? '')) {
        this.open.delete(handle)
        this.forward(req, res, endpoint, headers, hooks, false)
        return
      }
      hooks.failed(error)
    })
    res.on('close', () => {
      this.open.delete(handle)
      // The client left (or the response ended): stop the pod's side too.
      if (!res.writableFinished) upstream.destroy()
    })
    req.on('error', () => upstream.destroy())
    if (hasBody) req.pipe(upstream)
    else upstream.end()
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
      podSocket.on('data', hooks.activity)
      socket.on('data', hooks.activity)
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
    this.agent.destroy()
  }

  /** Connecting must not hang for minutes on an unreachable address; an open exchange may idle. */
  private guardConnect(upstream: http.ClientRequest): void {
    upstream.once('socket', (socket: Socket) => {
      if (!socket.connecting) return
      const timer = setTimeout(() => {
        const error: NodeJS.ErrnoException = new Error(`connect timed out after ${this.connectTimeoutMs} ms`)
        error.code = 'ETIMEDOUT'
        upstream.destroy(error)
      }, this.connectTimeoutMs)
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
