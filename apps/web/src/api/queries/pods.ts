import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'
import type { AdminPodsFilter, MetricsRange } from '../types'

export const podKeys = {
  all: ['pods'] as const,
  own: ['pods', 'own'] as const,
  adminAll: ['pods', 'admin'] as const,
  admin: (filter: AdminPodsFilter) => ['pods', 'admin', filter] as const,
  detail: (podId: string) => ['pods', 'detail', podId] as const,
  events: (podId: string) => ['pods', 'events', podId] as const,
  stats: (podId: string) => ['pods', 'stats', podId] as const,
  metrics: (podId: string, range: MetricsRange) => ['pods', 'metrics', podId, range] as const,
}

export const ownPodsQuery = () =>
  queryOptions({
    queryKey: podKeys.own,
    queryFn: api.pods.own,
    // Status arrives over the socket; the interval only refreshes cost so far (written by the meter).
    refetchInterval: 30_000,
  })

export const adminPodsQuery = (filter: AdminPodsFilter) =>
  queryOptions({
    queryKey: podKeys.admin(filter),
    queryFn: () => api.pods.admin(filter),
    refetchInterval: 30_000,
    placeholderData: (previous) => previous,
  })

/** One pod (its page); kept current by the socket like the lists, refreshed for its cost so far. */
export const podQuery = (podId: string) =>
  queryOptions({
    queryKey: podKeys.detail(podId),
    queryFn: () => api.pods.get(podId),
    refetchInterval: 30_000,
  })

export const podEventsQuery = (podId: string) =>
  queryOptions({ queryKey: podKeys.events(podId), queryFn: () => api.pods.events(podId) })

/** Live usage is read from the runtime on demand, so it is polled while a running pod is on screen. */
export const podStatsQuery = (podId: string) =>
  queryOptions({
    queryKey: podKeys.stats(podId),
    queryFn: () => api.pods.stats(podId),
    refetchInterval: 5_000,
  })

/** Usage history; the last hour also grows live from the socket (usePodMetricsLive). */
export const podMetricsQuery = (podId: string, range: MetricsRange) =>
  queryOptions({
    queryKey: podKeys.metrics(podId, range),
    queryFn: () => api.pods.metrics(podId, range),
    refetchInterval: range === '1h' ? 60_000 : 300_000,
  })
