import http from 'node:http'
import path from 'node:path'
import type { FakeKubeApiServer } from './kube-api-server.js'

/**
 * A strict stand-in for ingress-nginx, the controller NeuroPod's Ingresses are written for. It
 * routes a browser request the way the controller does, reading the Ingress and Service objects
 * the platform wrote to the fake API server:
 *
 * - the rule whose host matches, then the longest `Prefix` path of the decoded, normalised URI;
 * - `auth-url`: a GET subrequest carrying the client's headers plus `X-Original-URL` (the raw
 *   request URI) and `X-Original-Method`; 401 → 302 to `auth-signin` (with `$scheme`, `$host` and
 *   `$escaped_request_uri` filled in) or 401; 403 → 403; any other non-2xx → 500;
 * - `auth-response-headers`: each listed header of the auth answer replaces the client's (absent
 *   in the answer → removed);
 * - the backend Service: ExternalName → the DNS name's address, else the pod's Service; the
 *   upstream sees the original Host.
 *
 * "DNS" is the `resolve` map, so cluster names lead to local test servers. Anything it does not
 * model (another auth annotation, a missing Service, an unknown name) fails loudly.
 */

export interface IngressResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  /** Which backend answered: `service:port`, or null when nginx answered itself */
  backend: string | null
}

const MODELLED = new Set([
  'nginx.ingress.kubernetes.io/auth-url',
  'nginx.ingress.kubernetes.io/auth-signin',
  'nginx.ingress.kubernetes.io/auth-response-headers',
  'nginx.ingress.kubernetes.io/proxy-read-timeout',
  'nginx.ingress.kubernetes.io/proxy-send-timeout',
  'nginx.ingress.kubernetes.io/proxy-body-size',
  'nginx.ingress.kubernetes.io/proxy-request-buffering',
  'nginx.ingress.kubernetes.io/proxy-buffering',
])

export class FakeIngressNginx {
  constructor(
    private readonly o: {
      kube: FakeKubeApiServer
      /** DNS name → base URL of a local server */
      resolve: Record<string, string>
      /** A pod's Service and port → base URL of the local server playing the pod */
      podBackend: (service: string, port: number) => string
    },
  ) {}

  async request(url: string, headers: Record<string, string> = {}): Promise<IngressResponse> {
    const u = new URL(url)
    const requestUri = rawRequestUri(url)
    const ingress = this.o.kube
      .list('ingresses')
      .find((i) => i.spec.rules?.some((r: { host: string }) => r.host === u.hostname))
    if (!ingress) return { status: 404, headers: {}, body: 'default backend - 404', backend: null }
    const annotations: Record<string, string> = ingress.metadata.annotations ?? {}
    for (const key of Object.keys(annotations))
      if (key.startsWith('nginx.ingress.kubernetes.io/') && !MODELLED.has(key))
        throw new Error(`FakeIngressNginx does not model ${key}`)

    const rule = ingress.spec.rules.find((r: { host: string }) => r.host === u.hostname)
    const location = normalise(requestUri.split('?')[0]!)
    const paths: {
      path: string
      pathType: string
      backend: { service: { name: string; port: { number: number } } }
    }[] = rule.http.paths
    const chosen = paths
      .filter((p) => {
        if (p.pathType !== 'Prefix')
          throw new Error(`FakeIngressNginx models Prefix paths only, not ${p.pathType}`)
        const prefix = p.path.replace(/\/+$/, '')
        return prefix === '' || location === prefix || location.startsWith(`${prefix}/`)
      })
      .sort((a, b) => b.path.length - a.path.length)[0]
    if (!chosen) return { status: 404, headers: {}, body: 'default backend - 404', backend: null }

    const upstreamHeaders: Record<string, string> = { ...headers }
    const authUrl = annotations['nginx.ingress.kubernetes.io/auth-url']
    if (authUrl) {
      const auth = new URL(authUrl)
      const answer = await send(this.resolve(auth.hostname), auth.pathname + auth.search, {
        ...headers,
        host: auth.host,
        'x-original-url': `${u.protocol}//${u.host}${requestUri}`,
        'x-original-method': 'GET',
        'x-sent-from': 'nginx-ingress-controller',
        'x-auth-request-redirect': requestUri,
      })
      if (answer.status === 401) {
        const signin = annotations['nginx.ingress.kubernetes.io/auth-signin']
        if (!signin) return { status: 401, headers: {}, body: '401 Authorization Required', backend: null }
        const target = signin
          .replace('$scheme', u.protocol.slice(0, -1))
          .replace('$host', u.hostname)
          .replace('$escaped_request_uri', encodeURIComponent(requestUri))
        return { status: 302, headers: { location: target }, body: '', backend: null }
      }
      if (answer.status === 403) return { status: 403, headers: {}, body: '403 Forbidden', backend: null }
      if (answer.status < 200 || answer.status > 299)
        return { status: 500, headers: {}, body: `auth answered ${answer.status}`, backend: null }
      const listed = (annotations['nginx.ingress.kubernetes.io/auth-response-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean)
      for (const name of listed) {
        const value = answer.headers[name]
        for (const key of Object.keys(upstreamHeaders))
          if (key.toLowerCase() === name) delete upstreamHeaders[key]
        if (typeof value === 'string' && value !== '') upstreamHeaders[name] = value
      }
    }

    const { name, port } = { name: chosen.backend.service.name, port: chosen.backend.service.port.number }
    const service = this.o.kube.get('services', name)
    if (!service) return { status: 503, headers: {}, body: `no Service ${name}`, backend: null }
    const base =
      service.spec.type === 'ExternalName'
        ? this.resolve(service.spec.externalName)
        : this.o.podBackend(name, port)
    const res = await send(base, requestUri, { ...upstreamHeaders, host: u.host })
    return { ...res, backend: `${name}:${port}` }
  }

  private resolve(dnsName: string): string {
    const base = this.o.resolve[dnsName]
    if (!base) throw new Error(`FakeIngressNginx cannot resolve ${dnsName}`)
    return base
  }
}

/** The request URI as the client sent it (WHATWG URL would tidy `..` and encodings away). */
function rawRequestUri(url: string): string {
  const afterAuthority = url.replace(/^[a-z]+:\/\/[^/]+/i, '')
  return afterAuthority === '' ? '/' : afterAuthority
}

/** nginx matches locations on the decoded URI with `.` and `..` resolved and slashes merged. */
function normalise(uri: string): string {
  return path.posix.normalize(decodeURIComponent(uri)).replace(/\/+/g, '/')
}

function send(
  base: string,
  requestUri: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const b = new URL(base)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: b.hostname, port: b.port, path: requestUri, method: 'GET', headers },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}
