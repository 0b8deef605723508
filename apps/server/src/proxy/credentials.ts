import { API_KEY_PREFIX, SESSION_COOKIE, SESSION_TOKEN_PREFIX } from '../auth/principal.js'

/**
 * Reading NeuroPod credentials off a pod-host request, and recognising what must be stripped
 * before the request reaches the pod.
 */

/** The pod cookie's name. Over HTTPS the `__Host-` prefix makes browsers refuse a Domain attribute,
 * so a pod cannot plant one on its sibling hosts. */
export const POD_COOKIE = 'neuropod_pod'
export const SECURE_POD_COOKIE = `__Host-${POD_COOKIE}`

export function podCookieName(secure: boolean): string {
  return secure ? SECURE_POD_COOKIE : POD_COOKIE
}

/** `Authorization: Bearer|token <nps_…|npk_…>`: a NeuroPod credential (never forwarded to the pod). */
export function neuropodAuthorization(header: string | undefined): string | null {
  if (!header) return null
  const m = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(header)
  if (!m) return null
  const token = m[1]!
  return token.startsWith(SESSION_TOKEN_PREFIX) || token.startsWith(API_KEY_PREFIX) ? token : null
}

/** Every value of our pod cookie in a Cookie header (a pod may have planted look-alikes on http). */
export function podCookieValues(cookieHeader: string | undefined): string[] {
  if (!cookieHeader?.includes(POD_COOKIE)) return []
  const values: string[] = []
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const name = part.slice(0, eq).trim()
    if (name === POD_COOKIE || name === SECURE_POD_COOKIE) values.push(part.slice(eq + 1).trim())
  }
  return values
}

/** Cookie names that belong to the platform and never reach a pod. */
export function isPlatformCookie(name: string): boolean {
  return name === SESSION_COOKIE || name === POD_COOKIE || name === SECURE_POD_COOKIE
}

/** The Cookie header without the platform's cookies; null when nothing is left. */
export function stripPlatformCookies(cookieHeader: string): string | null {
  if (!cookieHeader.includes('neuropod_')) return cookieHeader
  const kept: string[] = []
  for (const part of cookieHeader.split(';')) {
    const trimmed = part.trim()
    if (!trimmed) continue
    const eq = trimmed.indexOf('=')
    const name = eq < 0 ? trimmed : trimmed.slice(0, eq).trim()
    if (!isPlatformCookie(name)) kept.push(trimmed)
  }
  return kept.length > 0 ? kept.join('; ') : null
}

/** A Set-Cookie line from a pod that would overwrite or shadow one of the platform's cookies. */
export function setsPlatformCookie(setCookie: string): boolean {
  if (!setCookie.includes('neuropod_')) return false
  const eq = setCookie.indexOf('=')
  return eq > 0 && isPlatformCookie(setCookie.slice(0, eq).trim())
}
