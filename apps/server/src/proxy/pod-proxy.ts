import type http from 'node:http'
import type { Duplex } from 'node:stream'
import type { Kysely } from 'kysely'
import type { AuthService } from '../auth/auth.service.js'
import type { Principal } from '../auth/principal.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { type Lang, requestLanguage } from '../i18n/localize.js'
import { type Clock, monotonicMs } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import { parsePodHost, podUrl } from '../lib/pod-urls.js'
import type { SecretBox } from '../lib/secrets.js'
import type { Bus } from '../realtime/bus.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'
import { type AccessDecision, decideAccess, isPrivileged } from './access.js'
import { ActivityRecorder } from './activity.js'
import { neuropodAuthorization, podCookieName, podCookieValues, stripPlatformCookies } from './credentials.js'
import { upstreamRequestHeaders } from './forward-headers.js'
import { Forwarder } from './forwarder.js'
import { type CookieClaims, HandoverCodec, normaliseHost } from './handover.js'
import { type ProxyPage, pages, sendPage, wantsHtml } from './pages.js'
import type { PodTrafficHandler } from './pod-traffic.js'
import { PrincipalCache } from './principal-cache.js'
import type { Endpoint, PodRoute, RouteEntry, ServiceRoute } from './route-table.js'
import { RouteTable } from './route-table.js'
import { TicketStore } from './ticket-store.js'

export interface PodProxyDeps {
  config: Pick<Config, 'publicUrl' | 'podDomain' | 'trustProxy' | 'proxy'> & {
    sessionTtlHours: number
  }
  db: Kysely<Database>
  bus: Bus
  clock: Clock
  runtime: PodRuntime
  secrets: SecretBox
  auth: Pick<AuthService, 'authenticate'>
  log: Logger
  /** Counts requests and unreachable pods for /metrics */
  traffic?: { request(kind: 'http' | 'websocket'): void; upstreamError(kind: 'http' | 'websocket'): void }
}

/** A pod host, parsed: `abc123defg-8888.localhost:3000` → slug, port and the port-less host. */
interface PodTarget {
  slug: string
  port: number
  host: string
}

interface Credential {
  token: string
  /** header: Authorization (scripts); cookie: the pod cookie (browsers, subject to an Origin check) */
  via: 'header' | 'cookie'
}

/** The outcome of checking a request against a pod port, shared by the proxy and `/api/proxy/auth`. */
export type PortCheck =
  | { kind: 'page'; page: ProxyPage }
  | {
      kind: 'checked'
      target: PodTarget
      entry: RouteEntry
      route: PodRoute
      service: ServiceRoute
      principal: Principal | null
      decision: AccessDecision
      crossSite: boolean
    }

export interface RequestFacts {
  host: string | undefined
  method: string
  authorization: string | undefined
  cookie: string | undefined
  origin: string | undefined
  /** A WebSocket (or other upgrade) handshake */
  upgrade?: boolean
}

/** Where a browser goes next in the sign-in hand-over. */
export type HandoverResult = { kind: 'redirect'; location: string } | { kind: 'page'; page: ProxyPage }

const CONTROL_PREFIX = '/__neuropod/'
const HANDOVER_AUTH_PATH = `${CONTROL_PREFIX}auth`
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const CACHE_LIMIT = 10_000
const SHUTDOWN_GRACE_MS = 1000

/**
 * The authenticating reverse proxy behind every pod URL `<slug>-<port>.<POD_DOMAIN>`.
 *
 * Per request: parse the host (cached) → route (cached, invalidated over the bus) → credential
 * (API key / session in `Authorization`, or the host-bound pod cookie) → principal (auth's cache,
 * revocations apply at once) → `decideAccess` → stream to the pod with the platform's credentials
 * stripped. Nothing on this path writes to the database; activity is batched.
 */
export class PodProxy implements PodTrafficHandler {
  readonly routes: RouteTable
  readonly activity: ActivityRecorder
  private readonly principals: PrincipalCache
  private readonly codec: HandoverCodec
  private readonly tickets: TicketStore
  private readonly forwarder: Forwarder
  private readonly hosts = new Map<string, PodTarget | null>()
  private readonly cookies = new Map<string, CookieClaims[]>()
  private readonly secure: boolean
  private readonly cookieName: string
  private closing = false

  constructor(private readonly deps: PodProxyDeps) {
    const { config } = deps
    this.routes = new RouteTable({
      db: deps.db,
      bus: deps.bus,
      runtime: deps.runtime,
      secrets: deps.secrets,
      // Cache ages, not domain time.
      now: Date.now,
    })
    this.activity = new ActivityRecorder({
      db: deps.db,
      clock: deps.clock,
      log: deps.log,
      flushMs: config.proxy.activityFlushMs,
    })
    this.principals = new PrincipalCache(deps.auth, deps.bus)
    this.codec = new HandoverCodec(deps.secrets, config.proxy.ticketTtlSeconds * 1000)
    this.tickets = new TicketStore(deps.db)
    this.forwarder = new Forwarder(config.proxy.connectTimeoutMs)
    this.secure = config.publicUrl.startsWith('https:')
    this.cookieName = podCookieName(this.secure)
  }

  // ------------------------------------------------------------------ HTTP

  request = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.deps.traffic?.request('http')
    try {
      this.handle(req, res)
    } catch (error) {
      this.failed(req, res, error)
    }
  }

  private failed(req: http.IncomingMessage, res: http.ServerResponse, error: unknown): void {
    this.deps.log.error({ err: error, host: req.headers.host }, 'pod proxy failed')
    sendPage(req, res, {
      status: 500,
      code: 'INTERNAL',
      title: 'Proxy error',
      message: 'NeuroPod could not handle this request. Try again in a moment.',
    })
  }

  /** The hot path. Synchronous while routes, principals and endpoints are cached (the common case). */
  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.closing) {
      sendPage(req, res, shuttingDown)
      return
    }
    if (req.url?.startsWith(CONTROL_PREFIX)) {
      this.control(req, res).catch((error: unknown) => this.failed(req, res, error))
      return
    }
    const headers = req.headers
    const check = this.check({
      host: headers.host,
      method: req.method ?? 'GET',
      authorization: headers.authorization,
      cookie: headers.cookie,
      origin: headers.origin,
    })
    if (check instanceof Promise)
      check.then(
        (c) => this.checked(req, res, c),
        (error: unknown) => this.failed(req, res, error),
      )
    else this.checked(req, res, check)
  }

  private checked(req: http.IncomingMessage, res: http.ServerResponse, check: PortCheck): void {
    if (check.kind === 'page') {
      sendPage(req, res, check.page)
      return
    }
    if (check.decision.outcome !== 'allow') {
      this.refuse(req, res, check)
      return
    }
    const { route, entry, target } = check
    if (route.status !== 'running' && route.status !== 'creating') {
      sendPage(req, res, pages.notRunning(route, this.deps.config.publicUrl))
      return
    }
    const found = this.routes.endpoint(entry, route.podId, target.port)
    if (found instanceof Promise)
      found.then(
        (endpoint) => this.forward(req, res, check, endpoint),
        (error: unknown) => this.failed(req, res, error),
      )
    else this.forward(req, res, check, found)
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    check: CheckedPort,
    endpoint: Endpoint | null,
  ): void {
    const { route, service, target, decision } = check
    if (!endpoint) {
      sendPage(req, res, pages.notAnswering(route, target.port, starting(route, service)))
      return
    }
    const podId = route.podId
    this.activity.touch(podId)
    const headers = upstreamRequestHeaders(req.rawHeaders, {
      remoteAddress: req.socket.remoteAddress ?? '',
      localPort: req.socket.localPort ?? 0,
      trustProxy: this.deps.config.trustProxy,
      jupyterToken: decision.outcome === 'allow' && decision.injectJupyterToken ? route.jupyterToken : null,
      upgrade: false,
    })
    this.forwarder.forward(req, res, endpoint, headers, new ExchangeHooks(this, req, res, check))
  }

  /** The pod could not be reached for this exchange: say so, and ask the runtime again next time. */
  upstreamFailed(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    check: CheckedPort,
    error: NodeJS.ErrnoException,
  ): void {
    this.deps.traffic?.upstreamError('http')
    this.routes.forgetEndpoint(check.entry, check.target.port)
    sendPage(req, res, failurePage(error, check.route, check.service, check.target.port))
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, check: CheckedPort): void {
    if (check.crossSite) {
      sendPage(req, res, pages.crossSite())
      return
    }
    if (check.decision.outcome === 'forbidden') {
      sendPage(
        req,
        res,
        pages.forbidden(
          check.route,
          check.principal?.email ?? null,
          this.platformLinks(check.target, req.url ?? '/'),
          requestLanguage(req.headers['accept-language']),
        ),
      )
      return
    }
    const authorizeUrl = this.authorizeUrl(check.target, req.url ?? '/')
    if ((req.method === 'GET' || req.method === 'HEAD') && wantsHtml(req)) {
      res.writeHead(302, { location: authorizeUrl, 'cache-control': 'no-store' })
      res.end()
      return
    }
    res.setHeader('www-authenticate', 'Bearer realm="NeuroPod"')
    sendPage(req, res, pages.unauthenticated(authorizeUrl))
  }

  // ------------------------------------------------------------------ WebSocket

  upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.deps.traffic?.request('websocket')
    socket.on('error', () => socket.destroy())
    this.handleUpgrade(req, socket, head).catch((error: unknown) => {
      this.deps.log.error({ err: error, host: req.headers.host }, 'pod proxy upgrade failed')
      refuseSocket(socket, 500, 'Proxy error')
    })
  }

  private async handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.closing) return refuseSocket(socket, 503, shuttingDown.message)
    if (req.url?.startsWith(CONTROL_PREFIX)) return refuseSocket(socket, 404, 'Not found')
    const pending = this.check({
      host: req.headers.host,
      method: req.method ?? 'GET',
      authorization: req.headers.authorization,
      cookie: req.headers.cookie,
      origin: req.headers.origin,
      upgrade: true,
    })
    const check = pending instanceof Promise ? await pending : pending
    if (check.kind === 'page') return refuseSocket(socket, check.page.status, check.page.message)
    const { route, service, decision, entry, target } = check
    if (decision.outcome !== 'allow') {
      if (check.crossSite) return refuseSocket(socket, 403, pages.crossSite().message)
      return decision.outcome === 'forbidden'
        ? refuseSocket(socket, 403, pages.forbidden(route, null).message)
        : refuseSocket(socket, 401, 'Sign in required: this port is private')
    }
    if (route.status !== 'running' && route.status !== 'creating')
      return refuseSocket(socket, 503, pages.notRunning(route, this.deps.config.publicUrl).message)
    const found = this.routes.endpoint(entry, route.podId, target.port)
    const endpoint = found instanceof Promise ? await found : found
    if (!endpoint)
      return refuseSocket(
        socket,
        502,
        pages.notAnswering(route, target.port, starting(route, service)).message,
      )

    const headers = upstreamRequestHeaders(req.rawHeaders, {
      remoteAddress: req.socket.remoteAddress ?? '',
      localPort: req.socket.localPort ?? 0,
      trustProxy: this.deps.config.trustProxy,
      jupyterToken: decision.injectJupyterToken ? route.jupyterToken : null,
      upgrade: true,
    })
    const podId = route.podId
    this.forwarder.tunnel(req, socket, head, endpoint, headers, {
      activity: () => this.activity.touch(podId, 'websocket'),
      failed: (error) => {
        this.deps.traffic?.upstreamError('websocket')
        this.routes.forgetEndpoint(entry, target.port)
        const page = failurePage(error, route, service, target.port)
        refuseSocket(socket, page.status, page.message)
      },
    })
  }

  // ------------------------------------------------------------------ access

  /**
   * Resolves the pod port a request addresses and decides access. Synchronous when everything it
   * needs is cached, which is the common case on the hot path.
   */
  check(facts: RequestFacts): PortCheck | Promise<PortCheck> {
    const target = this.target(facts.host)
    if (!target) return { kind: 'page', page: pages.noPod() }
    const resolved = this.routes.resolve(target.slug)
    return resolved instanceof Promise
      ? resolved.then((entry) => this.checkRoute(facts, target, entry))
      : this.checkRoute(facts, target, resolved)
  }

  private checkRoute(
    facts: RequestFacts,
    target: PodTarget,
    entry: RouteEntry,
  ): PortCheck | Promise<PortCheck> {
    const route = entry.route
    if (!route) return { kind: 'page', page: pages.noPod() }
    if (route.deleted) return { kind: 'page', page: pages.deleted(route) }
    const service = findService(route, target.port)
    if (!service) return { kind: 'page', page: pages.noPort(route, target.port) }

    // Public ports without the platform's Jupyter need no identity: skip the lookup entirely.
    const needsPrincipal = service.access === 'private' || (service.jupyter && route.jupyterToken !== null)
    const credential = needsPrincipal ? this.credential(facts, target.host) : null
    // The pod cookie rides along on requests other sites trigger (sibling pod hosts are the same
    // site), so state-changing requests and WebSockets only count it when they come from this host.
    const crossSite =
      credential?.via === 'cookie' &&
      (facts.upgrade === true || !SAFE_METHODS.has(facts.method)) &&
      !sameOrigin(facts.origin, facts.host)
    if (!credential || crossSite) return decided(target, entry, route, service, null, crossSite)
    const principal = this.principals.resolve(credential.token)
    return principal instanceof Promise
      ? principal.then((p) => decided(target, entry, route, service, p, crossSite))
      : decided(target, entry, route, service, principal, crossSite)
  }

  private credential(facts: RequestFacts, host: string): Credential | null {
    const header = neuropodAuthorization(facts.authorization)
    if (header) return { token: header, via: 'header' }
    if (!facts.cookie) return null
    for (const claims of this.cookieClaims(facts.cookie))
      if (claims.host === host) return { token: claims.credential, via: 'cookie' }
    return null
  }

  /** The valid pod cookies in a Cookie header, memoised by the header (a browser repeats it verbatim). */
  private cookieClaims(cookieHeader: string): CookieClaims[] {
    let claims = this.cookies.get(cookieHeader)
    if (claims === undefined) {
      claims = []
      for (const value of podCookieValues(cookieHeader)) {
        const opened = this.codec.openCookie(value)
        if (opened) claims.push(opened)
      }
      if (this.cookies.size >= CACHE_LIMIT) this.cookies.clear()
      this.cookies.set(cookieHeader, claims)
    }
    return claims
  }

  private target(hostHeader: string | undefined): PodTarget | null {
    if (!hostHeader) return null
    let target = this.hosts.get(hostHeader)
    if (target === undefined) {
      const parsed = parsePodHost(hostHeader, this.deps.config.podDomain)
      target = parsed ? { ...parsed, host: normaliseHost(hostHeader) } : null
      if (this.hosts.size >= CACHE_LIMIT) this.hosts.clear()
      this.hosts.set(hostHeader, target)
    }
    return target
  }

  // ------------------------------------------------------------------ sign-in hand-over

  /** The canonical origin of a pod port: scheme and port of PUBLIC_URL, never taken from a request. */
  private podOrigin(target: Pick<PodTarget, 'slug' | 'port'>): string {
    return podUrl(target.slug, target.port, this.deps.config).slice(0, -1)
  }

  /** The 403 page's links: the pods page, and sign-in as someone else that comes back here. */
  private platformLinks(target: PodTarget, path: string) {
    const authorize = new URL(this.authorizeUrl(target, path))
    const next = `${authorize.pathname}${authorize.search}`
    return {
      dashboardUrl: `${this.deps.config.publicUrl}/pods`,
      switchAccountUrl: `${this.deps.config.publicUrl}/login?switch=1&next=${encodeURIComponent(next)}`,
    }
  }

  private authorizeUrl(target: PodTarget, path: string): string {
    const destination = `${this.podOrigin(target)}${path.startsWith('/') ? path : '/'}`
    return `${this.deps.config.publicUrl}/api/proxy/authorize?target=${encodeURIComponent(destination)}`
  }

  /**
   * `GET /api/proxy/authorize?target=<pod URL>` on the platform host: sends a signed-in, allowed
   * browser to the pod host with a one-time ticket; everyone else to sign in first.
   */
  async authorize(
    targetUrl: string,
    credential: string | null,
    principal: Principal | null,
    lang: Lang = 'en',
  ): Promise<HandoverResult> {
    let url: URL
    try {
      url = new URL(targetUrl)
    } catch {
      return { kind: 'page', page: badTarget }
    }
    const target = url.protocol === 'http:' || url.protocol === 'https:' ? this.target(url.host) : null
    if (!target) return { kind: 'page', page: badTarget }
    const entry = await this.routes.resolve(target.slug)
    const route = entry.route
    if (!route) return { kind: 'page', page: pages.noPod() }
    if (route.deleted) return { kind: 'page', page: pages.deleted(route) }
    const service = findService(route, target.port)
    if (!service) return { kind: 'page', page: pages.noPort(route, target.port) }

    const path = `${url.pathname}${url.search}`
    if (!principal || !credential) {
      const again = `/api/proxy/authorize?target=${encodeURIComponent(`${this.podOrigin(target)}${path}`)}`
      return { kind: 'redirect', location: `/login?next=${encodeURIComponent(again)}` }
    }
    const decision = decideAccess({
      access: service.access,
      jupyter: service.jupyter,
      ownerId: route.ownerId,
      principal,
    })
    if (decision.outcome !== 'allow')
      return {
        kind: 'page',
        page: pages.forbidden(route, principal.email, this.platformLinks(target, path), lang),
      }
    if (!isPrivileged(principal, route.ownerId)) {
      // A public port needs no identity, and a stranger's credential has no business on it.
      return { kind: 'redirect', location: `${this.podOrigin(target)}${path}` }
    }
    const { ticket } = this.codec.mintTicket(target.host, credential, this.deps.clock.now().getTime())
    return {
      kind: 'redirect',
      location: `${this.podOrigin(target)}${CONTROL_PREFIX}auth?ticket=${ticket}&next=${encodeURIComponent(path)}`,
    }
  }

  /**
   * A one-time link into one pod port, for a client that holds only a bearer token (a script, the
   * CLI, an app on another origin) and so has no platform cookie for `authorize` to hand over. The
   * caller has been checked as the pod's owner or an admin; the link is the same ticket
   * `authorize` mints, so it works once, on any replica, until it expires.
   */
  openLink(slug: string, port: number, credential: string, path: string): { url: string; expiresAt: string } {
    const origin = this.podOrigin({ slug, port })
    const { ticket, claims } = this.codec.mintTicket(
      new URL(origin).host,
      credential,
      this.deps.clock.now().getTime(),
    )
    return {
      url: `${origin}${CONTROL_PREFIX}auth?ticket=${ticket}&next=${encodeURIComponent(safeNext(path))}`,
      expiresAt: new Date(claims.expiresAt).toISOString(),
    }
  }

  /** `/__neuropod/auth?ticket=…&next=/path` on a pod host: redeem the ticket, set the pod cookie. */
  private async control(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = this.target(req.headers.host)
    if (!target) return sendPage(req, res, pages.noPod())
    const url = new URL(req.url ?? '/', 'http://pod.invalid')
    // GET only: a HEAD (a link checker, say) must not use up the one-time ticket.
    if (url.pathname !== `${CONTROL_PREFIX}auth` || req.method !== 'GET')
      return sendPage(req, res, pages.noPod())
    const next = safeNext(url.searchParams.get('next'))
    const retry = this.authorizeUrl(target, next)
    const now = this.deps.clock.now().getTime()
    const opened = this.codec.openTicket(url.searchParams.get('ticket') ?? '', target.host, now)
    if (!opened.ok) return sendPage(req, res, pages.badTicket(ticketProblem[opened.reason], retry))
    if (!(await this.tickets.redeem(opened.claims.id, opened.claims.expiresAt, now)))
      return sendPage(req, res, pages.badTicket('it was already used', retry))
    if (!(await this.principals.resolve(opened.claims.credential)))
      return sendPage(req, res, pages.badTicket('your session has ended', retry))
    const maxAge = this.deps.config.sessionTtlHours * 3600
    res.writeHead(302, {
      location: next,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'set-cookie': `${this.cookieName}=${this.codec.sealCookie(target.host, opened.claims.credential)}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`,
    })
    res.end()
  }

  // ------------------------------------------------------------------ ingress external auth

  /**
   * `GET /api/proxy/auth` for ingress-nginx `auth-url`: 200 (allowed), 401 (no valid credential),
   * 403 (signed in, not allowed), 404 (no such pod port). On 200 the response carries the headers
   * the pod should receive instead of the client's (`auth-response-headers: Authorization, Cookie`):
   * the Cookie header without the platform's cookies, and the Jupyter token for owner and admins.
   */
  async externalAuth(
    facts: RequestFacts & { path: string },
  ): Promise<{ status: 200 | 401 | 403 | 404; headers: Record<string, string> }> {
    // The hand-over itself is how a browser gets its credential, and the platform checks the
    // ticket on its own; it receives no cookie or token (the response headers replace them).
    // Only the exact, unencoded path passes: nginx decodes and normalises before it routes, so
    // `/__neuropod/..%2fnotebook` would reach the pod while looking like the hand-over here.
    if (facts.path === HANDOVER_AUTH_PATH) return { status: 200, headers: {} }
    const check = await this.check(facts)
    if (check.kind === 'page') return { status: check.page.status === 404 ? 404 : 401, headers: {} }
    if (check.decision.outcome === 'authenticate') return { status: 401, headers: {} }
    if (check.decision.outcome === 'forbidden') return { status: 403, headers: {} }
    this.activity.touch(check.route.podId)
    const headers: Record<string, string> = {}
    const cookie = facts.cookie ? stripPlatformCookies(facts.cookie) : null
    if (cookie) headers.cookie = cookie
    const foreign =
      facts.authorization && !neuropodAuthorization(facts.authorization) ? facts.authorization : null
    if (foreign) headers.authorization = foreign
    else if (check.decision.injectJupyterToken && check.route.jupyterToken)
      headers.authorization = `token ${check.route.jupyterToken}`
    return { status: 200, headers }
  }

  // ------------------------------------------------------------------ lifecycle

  /** Stop taking pod traffic; let exchanges in flight finish briefly, then end the rest (WebSockets, streams). */
  async shutdown(): Promise<void> {
    this.closing = true
    const deadline = monotonicMs() + SHUTDOWN_GRACE_MS
    while (this.forwarder.active > 0 && monotonicMs() < deadline) await new Promise((r) => setTimeout(r, 25))
    this.forwarder.close()
  }

  async close(): Promise<void> {
    this.closing = true
    this.forwarder.close()
    this.routes.close()
    this.principals.close()
    await this.activity.close()
  }
}

type CheckedPort = Extract<PortCheck, { kind: 'checked' }>

function decided(
  target: PodTarget,
  entry: RouteEntry,
  route: PodRoute,
  service: ServiceRoute,
  principal: Principal | null,
  crossSite: boolean,
): CheckedPort {
  const decision = decideAccess({
    access: service.access,
    jupyter: service.jupyter,
    ownerId: route.ownerId,
    principal,
  })
  return { kind: 'checked', target, entry, route, service, principal, decision, crossSite }
}

/** One object per proxied exchange (rather than closures) for the forwarder's callbacks. */
class ExchangeHooks {
  constructor(
    private readonly proxy: PodProxy,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly check: CheckedPort,
  ) {}

  activity(): void {
    this.proxy.activity.touch(this.check.route.podId)
  }

  failed(error: NodeJS.ErrnoException): void {
    this.proxy.upstreamFailed(this.req, this.res, this.check, error)
  }
}

const shuttingDown: ProxyPage = {
  status: 503,
  code: 'RUNTIME_UNAVAILABLE',
  title: 'NeuroPod restarting',
  message: 'This NeuroPod server is shutting down. Try again in a moment.',
  refreshSeconds: 3,
}

const badTarget: ProxyPage = {
  status: 400,
  code: 'VALIDATION_FAILED',
  title: 'Not a pod URL',
  message: 'The target of this sign-in is not a pod URL of this NeuroPod.',
}

const ticketProblem: Record<'malformed' | 'expired' | 'wrong-host', string> = {
  malformed: 'it is damaged or was not issued by this NeuroPod',
  expired: 'it has expired',
  'wrong-host': 'it was issued for another pod',
}

function findService(route: PodRoute, port: number): ServiceRoute | undefined {
  for (const service of route.services) if (service.port === port) return service
  return undefined
}

function starting(route: PodRoute, service: ServiceRoute): boolean {
  return route.status === 'creating' || service.status === 'creating'
}

function failurePage(error: NodeJS.ErrnoException, route: PodRoute, service: ServiceRoute, port: number) {
  const unreachable = ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']
  return unreachable.includes(error.code ?? '')
    ? pages.notAnswering(route, port, starting(route, service))
    : pages.upstreamFailed(route, port)
}

/** Origin (when sent) must be the request's own host. */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true
  if (!host || origin === 'null') return false
  const scheme = origin.indexOf('://')
  return scheme > 0 && origin.slice(scheme + 3).toLowerCase() === host.toLowerCase()
}

/** Only a path on the same host: `/x?y`, never `//evil.example` or `/\evil.example`. */
function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/'
  return /[\r\n]/.test(next) ? '/' : next
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

function refuseSocket(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  )
}
