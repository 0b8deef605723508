import type { FastifyInstance } from 'fastify'
import { toSpanish } from './spanish.js'

export type Lang = 'en' | 'es'

/** The first language of `Accept-Language` the server speaks (q-values honoured); English otherwise. */
export function requestLanguage(header: string | string[] | undefined): Lang {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '')
  const ranked = value
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1, index }
    })
    .filter((l) => l.tag && Number.isFinite(l.q) && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const { tag } of ranked) {
    if (tag === 'es' || tag.startsWith('es-')) return 'es'
    if (tag === 'en' || tag.startsWith('en-')) return 'en'
  }
  return 'en'
}

/** Keys whose string values may be one of the server's own texts. */
const TEXT_KEYS = new Set(['message', 'reason', 'description', 'performance'])

/** A copy of `value` with the server's texts under TEXT_KEYS in Spanish (unchanged parts shared). */
export function localizePayload(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let changed = false
    const out = value.map((item) => {
      const next = localizePayload(item, depth + 1)
      if (next !== item) changed = true
      return next
    })
    return changed ? out : value
  }
  if (value instanceof Date) return value
  let copy: Record<string, unknown> | null = null
  for (const [key, item] of Object.entries(value)) {
    const next =
      typeof item === 'string'
        ? TEXT_KEYS.has(key)
          ? toSpanish(item)
          : item
        : localizePayload(item, depth + 1)
    if (next !== item) {
      copy ??= { ...(value as Record<string, unknown>) }
      copy[key] = next
    }
  }
  return copy ?? value
}

/**
 * The server's own texts (ledger reasons, default GPU tiers and storage descriptions, seeded
 * template descriptions, error messages) follow the caller's `Accept-Language`: the web app sends
 * the language the user chose. Data people typed is never translated: only exact known texts are.
 */
export function registerLocalization(app: FastifyInstance): void {
  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (!request.url.startsWith('/api/') || requestLanguage(request.headers['accept-language']) !== 'es')
      return payload
    return localizePayload(payload)
  })
}
