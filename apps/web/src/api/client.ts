import { ApiError } from './errors'
import type { ErrorBody } from './types'

type Query = Record<string, string | number | boolean | undefined | null>

export interface RequestOptions {
  body?: unknown
  query?: Query
  signal?: AbortSignal
}

let onUnauthenticated: (() => void) | null = null
let language: string | null = null

/** The user's language, sent as Accept-Language so the server's own texts come back in it. */
export function setRequestLanguage(lang: string): void {
  language = lang
}

/** The language set by setRequestLanguage (for clients outside `request`, e.g. file transfers). */
export function requestLanguage(): string | null {
  return language
}

/** Called when a request that needed a session got a 401 (expired or revoked). */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler
}

function url(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

/**
 * The one HTTP client. The browser session is the HttpOnly cookie the server sets at sign-in
 * (never readable by scripts), so no token is stored in the page.
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response
  try {
    response = await fetch(url(path, options.query), {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(language ? { 'accept-language': language } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection.')
  }
  const text = await response.text()
  let body: unknown = null
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = null
    }
  }
  if (!response.ok) {
    const err = (body ?? {}) as Partial<ErrorBody>
    if (response.status === 401 && !path.startsWith('/api/auth/login')) onUnauthenticated?.()
    throw new ApiError(
      response.status,
      err.code ?? (response.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED'),
      err.message ?? `${response.status} ${response.statusText}`,
      err.errors ?? [],
    )
  }
  return body as T
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
}
