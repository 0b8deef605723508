import cors from '@fastify/cors'
import type { OriginPolicy } from './origins.js'
import type { App } from './route-context.js'

/** Browsers may cache a preflight this long (Chromium caps it at two hours). */
export const PREFLIGHT_MAX_AGE_SECONDS = 7200

/**
 * CORS for the origins in NEUROPOD_CORS_ORIGINS, with credentials (the session cookie and
 * `Authorization`). Nothing is registered when the list is empty: the API stays same-origin only,
 * and `OPTIONS` answers 404 as before. An origin not on the list gets no CORS header at all (its
 * preflight is a 404), so the browser refuses to hand the response to the page.
 */
export async function registerCors(app: App, origins: OriginPolicy): Promise<void> {
  if (origins.corsOrigins.length === 0) return
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origins.listed(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'Accept-Language'],
    exposedHeaders: ['Retry-After'],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  })
}
