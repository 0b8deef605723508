import type { Pod, PodEvent } from '@neuropod/contracts'
import { apiPath } from '../../api-path.js'
import { type ApiClient, ApiError } from '../../client.js'
import type { CliContext } from '../../context.js'
import { openSocket } from '../../realtime.js'

export type WaitTarget = 'running' | 'stopped' | 'gone'

/** The newest lifecycle event's id: a wait that starts after a request shows only what follows. */
export async function latestEventId(api: ApiClient, podId: string): Promise<number> {
  const events = (await api.get<{ data: PodEvent[] }>(apiPath`/api/pods/${podId}/events`)).data
  return events.reduce((latest, e) => Math.max(latest, e.id), 0)
}

/**
 * Follows the pod over the socket (no polling) until it reaches `target` or fails, printing to
 * stderr every lifecycle event newer than `afterEventId`, each once.
 */
export async function waitFor(
  api: ApiClient,
  podId: string,
  target: WaitTarget,
  ctx: CliContext,
  afterEventId: number,
): Promise<void> {
  const printed = new Set<number>()
  const show = (event: PodEvent) => {
    if (event.id <= afterEventId || printed.has(event.id)) return
    printed.add(event.id)
    ctx.err(`  ${event.reason}: ${event.message}`)
  }
  // Events written before the socket subscribed, or just before the state the wait saw, are read
  // over HTTP; a deleted pod has none left to read (its live ones were shown as they came).
  const catchUp = () =>
    api.get<{ data: PodEvent[] }>(apiPath`/api/pods/${podId}/events`).then(
      (r) => r.data.forEach(show),
      (error: unknown) => {
        if (!(error instanceof ApiError && error.status === 404)) throw error
      },
    )
  const socket = openSocket(api)
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false
      const finish = (failure?: Error) => {
        if (settled) return
        settled = true
        catchUp().then(() => (failure ? reject(failure) : resolve()), reject)
      }
      const check = (pod: Pod | null) => {
        if (target === 'gone' ? pod === null : pod?.status === target) finish()
        else if (pod?.status === 'error' && target === 'running')
          finish(new Error(`Pod failed: ${pod.statusReason ?? 'unknown reason'}`))
      }
      socket.on('connect_error', (e) => finish(new Error(`Realtime connection failed: ${e.message}`)))
      socket.on('podUpdate', (e) => e.podId === podId && check(e.pod))
      socket.on('podDeleted', (e) => e.podId === podId && check(null))
      socket.on('podEvent', (e) => e.podId === podId && show(e.event))
      socket.on('connect', () => {
        socket.emit('subscribe', { podId })
        // The state may already be reached: read it once after subscribing.
        api.get<{ data: Pod }>(apiPath`/api/pods/${podId}`).then(
          (r) => check(r.data),
          (error: unknown) => {
            if (error instanceof ApiError && error.status === 404) check(null)
            else finish(error instanceof Error ? error : new Error(String(error)))
          },
        )
      })
    })
  } finally {
    socket.disconnect()
  }
}
