import { neuropodAuthorization, setsPlatformCookie, stripPlatformCookies } from './credentials.js'

/**
 * Header rewriting for the pod proxy, on Node's flat raw-header arrays ([name, value, name, value…])
 * so that no header object is built per request.
 */

export interface UpstreamHeaderOptions {
  /** The client's address as this server saw it */
  remoteAddress: string
  /** The port the client connected to */
  localPort: number
  /** Honour X-Forwarded-* sent by a trusted front proxy (NEUROPOD_TRUST_PROXY) */
  trustProxy: boolean
  /** `Authorization: token <jupyter token>` for the owner and admins on a Jupyter port */
  jupyterToken: string | null
  /** Keep `Connection`/`Upgrade` (WebSocket handshakes) */
  upgrade: boolean
}

// Hop-by-hop (RFC 9110 §7.6.1) and headers this proxy answers itself (`Expect`: Node already sent
// `100 Continue` to the client).
const DROP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'expect',
  // The client re-frames the body itself (chunked or by Content-Length).
  'transfer-encoding',
])
const FORWARDED = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
])

/**
 * The request headers a pod receives: the client's, minus hop-by-hop headers, the platform's
 * cookies and any NeuroPod `Authorization`, plus X-Forwarded-For/-Proto/-Host/-Port. The Host
 * header is kept: apps such as Jupyter compare it with Origin for WebSockets and XSRF.
 */
export function upstreamRequestHeaders(raw: string[], options: UpstreamHeaderOptions): string[] {
  const out: string[] = []
  let host = ''
  let forwardedFor: string | null = null
  let forwardedProto: string | null = null
  let forwardedHost: string | null = null
  let forwardedPort: string | null = null
  let hasAuthorization = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const value = raw[i + 1]!
    const lower = name.toLowerCase()
    switch (lower) {
      case 'host':
        host = value
        out.push(name, value)
        continue
      case 'cookie': {
        const kept = stripPlatformCookies(value)
        if (kept !== null) out.push(name, kept)
        continue
      }
      case 'authorization':
        if (neuropodAuthorization(value) !== null) continue
        hasAuthorization = true
        out.push(name, value)
        continue
    }
    if (DROP_REQUEST.has(lower)) continue
    if (FORWARDED.has(lower)) {
      if (!options.trustProxy) continue
      if (lower === 'x-forwarded-for') forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value
      else if (lower === 'x-forwarded-proto') forwardedProto ??= value
      else if (lower === 'x-forwarded-host') forwardedHost ??= value
      else if (lower === 'x-forwarded-port') forwardedPort ??= value
      else out.push(name, value)
      continue
    }
    out.push(name, value)
  }
  if (options.upgrade) out.push('Connection', 'Upgrade', 'Upgrade', 'websocket')
  out.push(
    'X-Forwarded-For',
    forwardedFor ? `${forwardedFor}, ${options.remoteAddress}` : options.remoteAddress,
    'X-Forwarded-Proto',
    forwardedProto ?? 'http',
    'X-Forwarded-Host',
    forwardedHost ?? host,
    'X-Forwarded-Port',
    forwardedPort ?? String(options.localPort),
  )
  if (options.jupyterToken && !hasAuthorization) out.push('Authorization', `token ${options.jupyterToken}`)
  return out
}

// Transfer-Encoding too: the body is relayed decoded, and Node frames it for each client
// (chunked for HTTP/1.1, until close for HTTP/1.0) unless Content-Length says how long it is.
const DROP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'transfer-encoding',
])

/**
 * The response headers the client receives: the pod's, minus hop-by-hop headers (kept for a
 * `101 Switching Protocols`, which needs them) and any attempt to set the platform's cookies.
 */
export function downstreamResponseHeaders(raw: string[], switchingProtocols = false): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const value = raw[i + 1]!
    const lower = name.toLowerCase()
    if (!switchingProtocols && DROP_RESPONSE.has(lower)) continue
    if (lower === 'set-cookie' && setsPlatformCookie(value)) continue
    out.push(name, value)
  }
  return out
}

/** The head of a raw HTTP/1.1 response written to a socket (WebSocket handshakes and refusals). */
export function rawResponseHead(status: number, statusMessage: string, headers: string[]): string {
  let head = `HTTP/1.1 ${status} ${statusMessage}\r\n`
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
  return `${head}\r\n`
}
