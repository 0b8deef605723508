import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'

export const idleKeys = {
  settings: ['idle', 'settings'] as const,
  notifications: ['idle', 'notifications'] as const,
}

/** The platform idle policy (warning lead, maximum timeout): changes rarely. */
export const idleSettingsQuery = () =>
  queryOptions({ queryKey: idleKeys.settings, queryFn: api.idle.settings, staleTime: 300_000 })

/** The user's recent notifications; the socket's warnings and stops invalidate it. */
export const notificationsQuery = () =>
  queryOptions({ queryKey: idleKeys.notifications, queryFn: api.idle.notifications, refetchInterval: 60_000 })
