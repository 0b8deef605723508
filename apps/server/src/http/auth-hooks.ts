import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuthService } from '../auth/auth.service.js'
import { type Principal, SESSION_COOKIE } from '../auth/principal.js'
import { forbidden, unauthenticated } from '../errors.js'
import { clientAddress } from '../lib/client-address.js'
import type { OriginPolicy } from './origins.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    return m ? m[1]! : null
  }
  return null
}

/**
 * The credential of a request: a Bearer token (session or API key), else the session cookie.
 * The cookie only counts for unsafe methods when the request comes from a trusted origin (the
 * platform's own or one in NEUROPOD_CORS_ORIGINS): pod pages live on sibling hosts (same site), so
 * SameSite alone would not stop them from posting.
 */
export function requestToken(request: FastifyRequest, origins: OriginPolicy): string | null {
  const bearer = bearerToken(request)
  if (bearer) return bearer
  const cookie = request.cookies?.[SESSION_COOKIE]
  if (!cookie) return null
  if (SAFE_METHODS.has(request.method)) return cookie
  return origins.trusted(request.headers.origin, request.headers.host) ? cookie : null
}

export function makeAuthenticate(auth: AuthService, origins: OriginPolicy) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = requestToken(request, origins)
    request.principal = token ? await auth.authenticate(token) : null
  }
}

export function requireUser(request: FastifyRequest): Principal {
  if (!request.principal)
    throw unauthenticated('Sign in to use this endpoint (Authorization: Bearer <token>)')
  return request.principal
}

export function requireAdmin(request: FastifyRequest): Principal {
  const principal = requireUser(request)
  if (principal.role !== 'admin') throw forbidden('Administrators only')
  return principal
}

type Done = (error?: Error) => void

/** preValidation hooks for route options (callback style: no promise per request). */
export const userOnly = (request: FastifyRequest, _reply: FastifyReply, done: Done) => {
  done(
    request.principal
      ? undefined
      : unauthenticated('Sign in to use this endpoint (Authorization: Bearer <token>)'),
  )
}
export const adminOnly = (request: FastifyRequest, _reply: FastifyReply, done: Done) => {
  if (!request.principal)
    return done(unauthenticated('Sign in to use this endpoint (Authorization: Bearer <token>)'))
  done(request.principal.role === 'admin' ? undefined : forbidden('Administrators only'))
}

export function requestMeta(request: FastifyRequest, trustProxy: boolean) {
  return { ip: clientAddress(request, trustProxy), userAgent: request.headers['user-agent'] ?? null }
}
