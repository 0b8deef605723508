import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'

export const authKeys = {
  me: ['auth', 'me'] as const,
  config: ['auth', 'config'] as const,
  apiKeys: ['auth', 'api-keys'] as const,
}

/** The signed-in user, or null for a visitor (the session endpoint answers 200 either way). */
export const meQuery = () =>
  queryOptions({
    queryKey: authKeys.me,
    queryFn: api.auth.session,
    staleTime: 60_000,
  })

export const authConfigQuery = () =>
  queryOptions({ queryKey: authKeys.config, queryFn: api.auth.config, staleTime: 5 * 60_000 })

export const apiKeysQuery = () => queryOptions({ queryKey: authKeys.apiKeys, queryFn: api.auth.apiKeys })
