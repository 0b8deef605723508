import { OpenLinkBody, OpenLinkResponse, PortAccessParams } from '@neuropod/contracts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { Config } from '../config.js'
import { invalidState, notFound, unauthenticated } from '../errors.js'
import { requestToken, requireUser, userOnly } from '../http/auth-hooks.js'
import { OriginPolicy } from '../http/origins.js'
import { errorResponses, type RouteModule, redirectResponse } from '../http/route-context.js'
import { requestLanguage } from '../i18n/localize.js'
import type { PodsService } from '../pods/pods.service.js'
import { type ProxyPage, renderHtml } from './pages.js'
import type { HandoverResult, PodProxy } from './pod-proxy.js'

const TargetQuery = Type.Object({
  target: Type.String({ minLength: 1, maxLength: 4096, description: 'The pod URL to open after sign-in' }),
})
const SigninQuery = Type.Object({
  rd: Type.String({
    minLength: 1,
    maxLength: 4096,
    description: 'The pod URL to open after sign-in (ingress-nginx appends it as `rd`)',
  }),
})

/** The page `sendPage` answers: HTML for browsers, the error body (with details) for the rest. */
const PageBody = Type.Object(
  { success: Type.Literal(false), code: Type.String(), message: Type.String() },
  { additionalProperties: true },
)
const pageResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: PageBody }, 'text/html': { schema: Type.String() } },
})
const handoverResponses = {
  302: redirectResponse(
    'Not signed in: to `/login?next=…`. Allowed: to the pod host, with a one-time ticket when the port is private',
  ),
  400: pageResponse('Not a pod URL of this NeuroPod, or no target'),
  403: pageResponse('Signed in, but the port is private to its owner'),
  404: pageResponse('No such pod, pod deleted, or port not exposed'),
}
const AuthCheck = Type.Object({ success: Type.Boolean(), status: Type.Integer() })

/**
 * The platform side of pod URL access: the sign-in hand-over (`authorize`, and `signin` for
 * ingress-nginx `auth-signin`) and the external-auth check for ingress-nginx `auth-url`.
 * They live on the platform host, where the platform's session cookie is.
 */
export interface ProxyRoutesDeps {
  config: Pick<Config, 'publicUrl' | 'corsOrigins'>
  pods: PodsService
}

export function proxyRoutes(proxy: PodProxy): RouteModule<ProxyRoutesDeps> {
  return (app, { config, pods }) => {
    const tags = ['Pod URLs']
    const origins = new OriginPolicy(new URL(config.publicUrl).origin, config.corsOrigins)

    const handover = async (request: FastifyRequest, reply: FastifyReply, target: string) => {
      const result = await proxy.authorize(
        target,
        requestToken(request, origins),
        request.principal,
        requestLanguage(request.headers['accept-language']),
      )
      return sendHandover(request, reply, result)
    }

    app.get(
      '/api/proxy/authorize',
      {
        schema: {
          tags,
          summary:
            'Open a pod URL signed in: redirects to sign-in, then to the pod host with a one-time ticket',
          description:
            'Browsers arrive here from a private pod URL. Not signed in: 302 to `/login?next=…`. Signed in and allowed: 302 to `<pod host>/__neuropod/auth?ticket=…`, which sets a cookie valid for that host only. Signed in but not allowed: 403 page.',
          querystring: TargetQuery,
          response: handoverResponses,
        },
      },
      (request, reply) => handover(request, reply, request.query.target),
    )

    app.get(
      '/api/proxy/signin',
      {
        schema: {
          tags,
          summary: 'ingress-nginx `auth-signin` target: the same hand-over, for the URL in `rd`',
          querystring: SigninQuery,
          response: handoverResponses,
        },
      },
      (request, reply) => handover(request, reply, request.query.rd),
    )

    app.post(
      '/api/pods/:podId/ports/:port/open-link',
      {
        // A bare POST (no body) asks for the pod's root.
        preValidation: [
          userOnly,
          (request, _reply, done) => {
            request.body ??= {}
            done()
          },
        ],
        schema: {
          tags,
          summary: 'A one-time link that opens a private pod URL signed in (for clients with only a token)',
          description:
            "Owner and admins. The URL carries a one-time ticket for this pod port (`NEUROPOD_PROXY_TICKET_TTL_SECONDS`, 60 s by default): opening it in a browser sets that host's pod cookie and lands on `path`; a second use is refused. The ticket carries the caller's credential, so revoking the token ends the access it gave.",
          params: PortAccessParams,
          body: OpenLinkBody,
          response: { 200: OpenLinkResponse, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = requireUser(request)
        const credential = requestToken(request, origins)
        if (!credential) throw unauthenticated()
        const pod = await pods.get(principal, request.params.podId)
        if (pod.status === 'deleting') throw invalidState('The pod is being deleted')
        const port = request.params.port
        if (!pod.httpServices.some((s) => s.port === port))
          throw notFound(`Pod ${pod.podName} has no HTTP port ${port}`)
        return {
          success: true as const,
          data: proxy.openLink(pod.slug, port, credential, request.body.path ?? '/'),
        }
      },
    )

    app.get(
      '/api/proxy/auth',
      {
        schema: {
          tags,
          summary: 'ingress-nginx `auth-url`: may this request open this pod URL?',
          description:
            'The pod host comes from `X-Original-URL`, else `X-Forwarded-Host`, else `Host`; the credential from `Authorization` (API key or session token) or the pod cookie. 200: allowed (response headers `Cookie` and `Authorization` are what the pod should receive; list them in `auth-response-headers`). 401: no valid credential. 403: signed in, not allowed. 404: no such pod port. `/__neuropod/auth` (the sign-in hand-over, which the platform serves and checks itself) always passes.',
          response: {
            200: { ...AuthCheck, description: 'Allowed' },
            401: { ...AuthCheck, description: 'No valid credential' },
            403: { ...AuthCheck, description: 'Signed in, not allowed' },
            404: { ...AuthCheck, description: 'No such pod port' },
          },
        },
      },
      async (request, reply) => {
        // The URL nginx received; its pathname keeps percent-encoding, so odd spellings never pass
        // for another path.
        const originalUrl = parseUrl(header(request, 'x-original-url'))
        const result = await proxy.externalAuth({
          path: originalUrl?.pathname ?? '/',
          host: originalUrl?.host ?? firstValue(header(request, 'x-forwarded-host')) ?? request.headers.host,
          method: header(request, 'x-original-method') ?? 'GET',
          authorization: request.headers.authorization,
          cookie: request.headers.cookie,
          origin: request.headers.origin,
          upgrade: header(request, 'upgrade') !== undefined,
        })
        reply.header('cache-control', 'no-store')
        for (const [name, value] of Object.entries(result.headers)) reply.header(name, value)
        return reply.status(result.status).send({ success: result.status === 200, status: result.status })
      },
    )
  }
}

function sendHandover(request: FastifyRequest, reply: FastifyReply, result: HandoverResult) {
  reply.header('cache-control', 'no-store')
  reply.header('referrer-policy', 'no-referrer')
  if (result.kind === 'redirect') return reply.redirect(result.location, 302)
  return sendPage(request, reply, result.page)
}

function sendPage(request: FastifyRequest, reply: FastifyReply, page: ProxyPage) {
  reply.status(page.status)
  if ((request.headers.accept ?? '').includes('text/html'))
    return reply.type('text/html; charset=utf-8').send(renderHtml(page))
  return reply.send({ success: false, code: page.code, message: page.message, ...page.details })
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function firstValue(value: string | undefined): string | undefined {
  return value?.split(',')[0]?.trim() || undefined
}

function parseUrl(url: string | undefined): URL | undefined {
  if (!url) return undefined
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}
