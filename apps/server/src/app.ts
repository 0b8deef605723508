import fs from 'node:fs'
import path from 'node:path'
import cookie from '@fastify/cookie'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { ErrorBody } from '@neuropod/contracts'
import type { FastifyServerOptions } from 'fastify'
import { authRoutes } from './auth/auth.routes.js'
import { billingRoutes } from './billing/billing.routes.js'
import { makeAuthenticate } from './http/auth-hooks.js'
import { registerCors } from './http/cors.js'
import { notFound, registerErrorHandling } from './http/error-handler.js'
import { OriginPolicy } from './http/origins.js'
import type { App } from './http/route-context.js'
import { documentInputErrors, validatorCompiler } from './http/validation.js'
import { registerLocalization } from './i18n/localize.js'
import { idleRoutes } from './idle/idle.routes.js'
import type { LogDestination } from './lib/logger.js'
import { metricsRoutes } from './metrics/metrics.routes.js'
import { notificationsRoutes } from './notifications/notifications.routes.js'
import { prometheusRoutes } from './observability/prometheus.routes.js'
import { currentRequestId, requestIdFrom, runWithRequestId } from './observability/request-context.js'
import type { Dispatcher } from './platform/http-server.js'
import type { Platform } from './platform/platform.js'
import { podsRoutes } from './pods/pods.routes.js'
import { pricingRoutes } from './pricing/pricing.routes.js'
import { PodProxy } from './proxy/pod-proxy.js'
import { proxyRoutes } from './proxy/proxy.routes.js'
import { createRealtime } from './realtime/socket-server.js'
import { shellRoutes } from './shell/shell.routes.js'
import { ShellSessionsRepository } from './shell/shell-sessions.repository.js'
import { attachTerminalNamespace } from './shell/terminal-namespace.js'
import { sshRoutes } from './ssh/ssh.routes.js'
import { statusRoutes } from './status/status.routes.js'
import { templatesRoutes } from './templates/templates.routes.js'
import { usersRoutes } from './users/users.routes.js'
import { volumesRoutes } from './volumes/volumes.routes.js'

export const BODY_LIMIT = 256 * 1024

export function fastifyOptions(logLevel: string, destination?: LogDestination): FastifyServerOptions {
  return {
    logger: {
      level: logLevel,
      // Credentials never reach the logs.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      ...(destination ? { stream: destination } : {}),
      // Lines logged outside a request's own logger (the reconciler, runtime calls) while its work
      // runs carry its id too, so one request can be followed through everything it caused.
      mixin(_merge: object, _level: number, logger: { bindings(): Record<string, unknown> }) {
        const requestId = currentRequestId()
        return requestId && logger.bindings().reqId === undefined ? { reqId: requestId } : {}
      },
    },
    // The caller's X-Request-Id when it is a sane token, else a fresh UUID; echoed in the response.
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    requestTimeout: 120_000,
    // Idle keep-alive sockets close on shutdown; requests in flight finish.
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true } },
  }
}

/** The HTTP application: explicit plugin order, then every route module, then the web UI. */
export async function buildApp(platform: Platform, app: App, dispatcher: Dispatcher) {
  const { config } = platform
  app.setValidatorCompiler(validatorCompiler)
  documentInputErrors(app)
  registerErrorHandling(app)
  registerLocalization(app)
  // The request id for everything this request's work does, in this process (request-context.ts).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    runWithRequestId(request.id, done)
  })
  app.addHook('onResponse', (request, reply, done) => {
    platform.observability.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
    done()
  })
  await app.register(cookie)
  const origins = new OriginPolicy(new URL(config.publicUrl).origin, config.corsOrigins)
  // Before authentication: a preflight carries no credential and is answered here.
  await registerCors(app, origins)
  app.addSchema(ErrorBody)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'NeuroPod API',
        version: '1.0.0',
        description:
          "Self-hostable GPU pods. Authenticate with `Authorization: Bearer <token>` (a session token from /api/auth/login or an API key). Realtime events: Socket.IO on the API's origin, see packages/contracts/src/realtime.ts (podUpdate carries stats, httpServices and tcpServices at the top level as the original did). legacyStatus maps status onto the original's four: pending → creating, stopping → running, deleting → stopped, others unchanged.",
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  })

  const authenticate = makeAuthenticate(platform.auth, origins)
  // Declared up front so every request object keeps one shape (assigning a new property per
  // request would deoptimise the hot path).
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/api/')) await authenticate(request)
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'same-origin')
    done(null, payload)
  })

  // Each route module gets the services it uses, nothing else.
  statusRoutes(app, { status: platform.status, reconciler: platform.reconciler })
  authRoutes(app, { auth: platform.auth, config })
  usersRoutes(app, { users: platform.users })
  pricingRoutes(app, { pricing: platform.pricing })
  templatesRoutes(app, { templates: platform.templates })
  podsRoutes(app, { pods: platform.pods })
  billingRoutes(app, { billing: platform.billing })
  sshRoutes(app, { ssh: platform.ssh })
  shellRoutes(app, { sessions: new ShellSessionsRepository(platform.database.db) })
  metricsRoutes(app, { metrics: platform.metrics })
  prometheusRoutes(app, { config, observability: platform.observability })
  idleRoutes(app, { idle: platform.idle })
  notificationsRoutes(app, { notifications: platform.notifications })
  volumesRoutes(app, { volumes: platform.volumes, volumeFiles: platform.volumeFiles })

  // Pod URLs: the proxy serves pod hosts ahead of Fastify; its sign-in routes live on the platform host.
  const proxy = new PodProxy({
    config: { ...config, sessionTtlHours: config.auth.sessionTtlHours },
    db: platform.database.db,
    bus: platform.bus,
    clock: platform.clock,
    runtime: platform.runtime,
    secrets: platform.secrets,
    auth: platform.auth,
    log: platform.log.child({ component: 'proxy' }),
    traffic: {
      request: (kind) => platform.observability.proxyRequests.inc({ kind }),
      upstreamError: (kind) => platform.observability.proxyUpstreamErrors.inc({ kind }),
    },
  })
  proxyRoutes(proxy)(app, { config, pods: platform.pods })
  dispatcher.setPodHandler(proxy)
  platform.shells.recordActivityWith((podId) => proxy.activity.touch(podId))

  const webDist = resolveWebDist(config.webDist)
  if (webDist) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: ['index.html'] })
  }
  // Client-side routes (/login, /pods…) get the single-page app; anything else gets the API's 404.
  app.setNotFoundHandler((request, reply) => {
    const wantsPage =
      webDist !== null &&
      request.method === 'GET' &&
      !request.url.startsWith('/api/') &&
      (request.headers.accept ?? '').includes('text/html')
    if (wantsPage) return reply.type('text/html').sendFile('index.html')
    return notFound(request, reply)
  })

  const realtime = createRealtime({
    auth: platform.auth,
    pods: platform.pods,
    publisher: platform.publisher,
    runtime: platform.runtime,
    bus: platform.bus,
    clock: platform.clock,
    log: platform.log.child({ component: 'realtime' }),
    origins,
    podDomain: config.podDomain,
  })
  dispatcher.setRealtimeEngine(realtime.engine)
  platform.observability.bind({
    reconcilerQueue: () => platform.reconciler.queueLength,
    socketConnections: () => realtime.io.of('/').sockets.size,
    isLeader: () => platform.leader.isLeader,
    runtimeKind: platform.runtime.kind,
  })
  const detachTerminal = attachTerminalNamespace(realtime.io, {
    auth: platform.auth,
    pods: platform.pods,
    runtime: platform.runtime,
    shells: platform.shells,
    bus: platform.bus,
    log: platform.log.child({ component: 'terminal' }),
  })
  app.addHook('onClose', async () => detachTerminal())
  return { realtime, proxy }
}

function resolveWebDist(configured: string | null): string | null {
  const candidates = configured ? [configured] : [path.resolve(import.meta.dirname, '../../web/dist')]
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null
}
