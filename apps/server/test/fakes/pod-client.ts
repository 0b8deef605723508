import http from 'node:http'
import type { Readable } from 'node:stream'
import WebSocket from 'ws'

/**
 * A client for pod URLs in tests: connects to the server's real address and names the pod host
 * in the Host header, as a browser resolving `*.localhost` would.
 */
export interface PodResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  json(): any
}

export interface PodRequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Buffer | Readable
}

export function podRequest(
  baseUrl: string,
  host: string,
  path: string,
  options: PodRequestOptions = {},
): Promise<PodResponse> {
  const base = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: options.method ?? 'GET',
        path,
        headers: { host, ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    const body = options.body
    if (body === undefined) req.end()
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body)
    else body.pipe(req)
  })
}

/** Opens a WebSocket to a pod host; resolves once open, or rejects with the refusal's status. */
export function podSocket(
  baseUrl: string,
  host: string,
  path: string,
  headers: Record<string, string> = {},
  origin?: string,
): Promise<WebSocket> {
  const base = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base.host}${path}`, {
      headers: { host, ...headers },
      ...(origin ? { origin } : {}),
      maxPayload: 64 * 1024 * 1024,
    })
    // Queue messages from the start: the first frame can arrive together with the handshake.
    const queue: Message[] = []
    const waiters: ((m: Message) => void)[] = []
    inboxes.set(ws, { queue, waiters })
    ws.on('message', (data: Buffer, binary: boolean) => {
      const waiter = waiters.shift()
      if (waiter) waiter({ data, binary })
      else queue.push({ data, binary })
    })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        reject(
          Object.assign(new Error(`refused: ${res.statusCode}`), {
            status: res.statusCode,
            body: Buffer.concat(chunks).toString(),
          }),
        ),
      )
    })
    ws.once('error', reject)
  })
}

interface Message {
  data: Buffer
  binary: boolean
}

const inboxes = new WeakMap<WebSocket, { queue: Message[]; waiters: ((m: Message) => void)[] }>()

/** The next message on a socket opened by podSocket (in order, none missed). */
export function nextMessage(ws: WebSocket, timeoutMs = 5000): Promise<Message> {
  const inbox = inboxes.get(ws)!
  const queued = inbox.queue.shift()
  if (queued) return Promise.resolve(queued)
  return new Promise((resolve, reject) => {
    const waiter = (m: Message) => {
      clearTimeout(timer)
      resolve(m)
    }
    const timer = setTimeout(() => {
      inbox.waiters.splice(inbox.waiters.indexOf(waiter), 1)
      reject(new Error('no WebSocket message'))
    }, timeoutMs)
    inbox.waiters.push(waiter)
  })
}
