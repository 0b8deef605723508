import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'

export const statusKeys = { public: ['status', 'public'] as const, system: ['status', 'system'] as const }

export const publicStatusQuery = () =>
  queryOptions({ queryKey: statusKeys.public, queryFn: api.status.public, staleTime: 60_000 })

export const systemStatusQuery = () =>
  queryOptions({ queryKey: statusKeys.system, queryFn: api.status.system, refetchInterval: 30_000 })
