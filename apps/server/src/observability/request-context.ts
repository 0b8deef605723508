import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'

/**
 * The request id of the HTTP request whose work is running (issue 12, item 5). Fastify's request
 * id is entered into an AsyncLocalStorage for the whole request, so work the request causes later
 * in the same process (the reconciler acting on its `reconcile` message, runtime calls) carries it
 * in every log line, through the root logger's mixin.
 */

const storage = new AsyncLocalStorage<{ requestId: string }>()

/** `X-Request-Id` as a caller sent it, when it is a sane token; else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID()
}

export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work)
}

export function currentRequestId(): string | null {
  return storage.getStore()?.requestId ?? null
}
