import type http from 'node:http'
import type { ErrorCode } from '@neuropod/contracts'
import type { PodRoute } from './route-table.js'

/**
 * What a pod URL answers when it cannot show the pod: a short HTML page for browsers (with an
 * automatic refresh while the pod starts) and the API's error body for everything else. Never a
 * stack trace, never a bare 502.
 */
export interface ProxyPage {
  status: number
  code: ErrorCode
  title: string
  message: string
  /** Reload the page after this many seconds (and send Retry-After) */
  refreshSeconds?: number
  link?: { href: string; label: string }
  /** The page's language (default English) */
  lang?: 'en' | 'es'
  /** More links after `link` (the 403 page: back to NeuroPod, sign in as someone else) */
  links?: { href: string; label: string }[]
  /** Extra fields for API clients */
  details?: Record<string, string | number | null>
}

export function wantsHtml(req: http.IncomingMessage): boolean {
  const accept = req.headers.accept
  return accept?.includes('text/html') === true
}

export function sendPage(req: http.IncomingMessage, res: http.ServerResponse, page: ProxyPage): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  }
  if (page.refreshSeconds) headers['retry-after'] = String(page.refreshSeconds)
  let body: string
  if (wantsHtml(req)) {
    headers['content-type'] = 'text/html; charset=utf-8'
    headers['content-security-policy'] = "default-src 'none'; style-src 'unsafe-inline'"
    body = renderHtml(page)
  } else {
    headers['content-type'] = 'application/json; charset=utf-8'
    body = JSON.stringify({ success: false, code: page.code, message: page.message, ...page.details })
  }
  headers['content-length'] = String(Buffer.byteLength(body))
  res.writeHead(page.status, headers)
  res.end(req.method === 'HEAD' ? undefined : body)
}

export function renderHtml(page: ProxyPage): string {
  const refresh = page.refreshSeconds ? `<meta http-equiv="refresh" content="${page.refreshSeconds}">` : ''
  const all = [...(page.link ? [page.link] : []), ...(page.links ?? [])]
  const link = all.length
    ? `<p>${all.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`).join(' · ')}</p>`
    : ''
  return `<!doctype html>
<html lang="${page.lang ?? 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${escapeHtml(page.title)} · NeuroPod</title>
<style>body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1d2430;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border:1px solid #dde1e7;border-radius:10px;padding:2rem 2.5rem;max-width:34rem}
h1{font-size:1.35rem;margin:0 0 .75rem}p{line-height:1.5}small{color:#5b6575}a{color:#2458d6}</style></head>
<body><main><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.message)}</p>${link}
${page.refreshSeconds ? `<p><small>This page reloads by itself every ${page.refreshSeconds} s.</small></p>` : ''}<p><small>NeuroPod · HTTP ${page.status}</small></p></main></body></html>`
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

// ------------------------------------------------------------------ the pages

export const pages = {
  noPod: (): ProxyPage => ({
    status: 404,
    code: 'NOT_FOUND',
    title: 'No pod here',
    message: 'No pod answers at this address. Check the URL in the pod’s Connect dialog.',
  }),
  noPort: (route: PodRoute, port: number): ProxyPage => ({
    status: 404,
    code: 'NOT_FOUND',
    title: 'Port not exposed',
    message: `Pod “${route.name}” does not expose HTTP port ${port}.`,
  }),
  deleted: (route: PodRoute): ProxyPage => ({
    status: 404,
    code: 'NOT_FOUND',
    title: 'Pod deleted',
    message: `Pod “${route.name}” has been deleted, and its URLs with it.`,
    details: { podStatus: 'deleted' },
  }),
  /** The pod exists but is not running (yet); `platformUrl` is where its owner can act on it. */
  notRunning: (route: PodRoute, platformUrl: string): ProxyPage => {
    const link = { href: platformUrl, label: 'Open NeuroPod' }
    const details = { podStatus: route.status, statusReason: route.statusReason }
    switch (route.status) {
      case 'pending':
      case 'creating':
        return {
          status: 503,
          code: 'INVALID_STATE',
          title: 'Pod starting',
          message: `Pod “${route.name}” is starting${route.statusReason ? `: ${route.statusReason}` : ''}. This page opens it as soon as it answers.`,
          refreshSeconds: 3,
          details,
        }
      case 'stopping':
        return {
          status: 503,
          code: 'INVALID_STATE',
          title: 'Pod stopping',
          message: `Pod “${route.name}” is stopping. Start it again from NeuroPod once it has stopped.`,
          refreshSeconds: 5,
          link,
          details,
        }
      case 'error':
        return {
          status: 503,
          code: 'INVALID_STATE',
          title: 'Pod failed',
          message: `Pod “${route.name}” is not running${route.statusReason ? `: ${route.statusReason}` : ''}.`,
          link,
          details,
        }
      default:
        return {
          status: 503,
          code: 'INVALID_STATE',
          title: 'Pod stopped',
          message: `Pod “${route.name}” is stopped. Its data is kept; start it from NeuroPod to use this URL again.`,
          link,
          details,
        }
    }
  },
  /** Running, but nothing accepted the connection on the port. */
  notAnswering: (route: PodRoute, port: number, starting: boolean): ProxyPage => ({
    status: 502,
    code: 'RUNTIME_UNAVAILABLE',
    title: starting ? 'Service starting' : 'Service not answering',
    message: starting
      ? `Pod “${route.name}” runs, but nothing listens on port ${port} yet. This page opens it as soon as it answers.`
      : `Pod “${route.name}” runs, but nothing answers on port ${port}. Check that the application listens on 0.0.0.0:${port}, and look at the pod’s logs.`,
    refreshSeconds: starting ? 3 : 10,
    details: { podStatus: route.status, port },
  }),
  unauthenticated: (authorizeUrl: string): ProxyPage => ({
    status: 401,
    code: 'UNAUTHENTICATED',
    title: 'Sign in required',
    message:
      'This port is private. Open it in a browser to sign in, or send an API key: Authorization: Bearer <key>.',
    link: { href: authorizeUrl, label: 'Sign in' },
    details: { authorizeUrl },
  }),
  /**
   * `platform`: where the page links back to (the pods page) and the URL that signs out and in
   * again as someone else before coming back to this pod URL.
   */
  forbidden: (
    route: PodRoute,
    email: string | null,
    platform?: { dashboardUrl: string; switchAccountUrl: string },
    lang: 'en' | 'es' = 'en',
  ): ProxyPage => ({
    status: 403,
    code: 'FORBIDDEN',
    lang,
    title: lang === 'es' ? 'Puerto privado' : 'Private port',
    message:
      lang === 'es'
        ? `Este puerto del pod “${route.name}” es privado de su propietario${email ? `; has iniciado sesión como ${email}` : ''}.`
        : `This port of pod “${route.name}” is private to its owner${email ? `; you are signed in as ${email}` : ''}.`,
    ...(platform
      ? {
          links: [
            { href: platform.dashboardUrl, label: lang === 'es' ? 'Volver a NeuroPod' : 'Back to NeuroPod' },
            {
              href: platform.switchAccountUrl,
              label: lang === 'es' ? 'Iniciar sesión con otra cuenta' : 'Sign in with another account',
            },
          ],
          details: { dashboardUrl: platform.dashboardUrl, switchAccountUrl: platform.switchAccountUrl },
        }
      : {}),
  }),
  crossSite: (): ProxyPage => ({
    status: 403,
    code: 'FORBIDDEN',
    title: 'Request refused',
    message:
      'This request came from another site; the pod’s sign-in cookie is only honoured on its own pages.',
  }),
  badTicket: (reason: string, retryUrl: string | null): ProxyPage => ({
    status: 400,
    code: 'UNAUTHENTICATED',
    title: 'Sign-in link not valid',
    message: `This sign-in link cannot be used: ${reason}. Sign-in links work once, for one minute.`,
    ...(retryUrl ? { link: { href: retryUrl, label: 'Sign in again' } } : {}),
  }),
  upstreamFailed: (route: PodRoute, port: number): ProxyPage => ({
    status: 502,
    code: 'RUNTIME_UNAVAILABLE',
    title: 'Connection to the pod failed',
    message: `The connection to port ${port} of pod “${route.name}” broke before it answered.`,
    refreshSeconds: 10,
  }),
}
