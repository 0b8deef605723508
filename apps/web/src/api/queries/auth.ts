import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'
import { isApiError } from '../errors'

export const authKeys = {
  me: ['auth', 'me'] as const,
  config: ['auth', 'config'] as const,
  apiKeys: ['auth', 'api-keys'] as const,
}

/** The signed-in user, or null when there is no valid session (a 401 is an answer, not an error). */
export const meQuery = () =>
  queryOptions({
    queryKey: authKeys.me,
    queryFn: async () => {
      try {
        return await api.auth.me()
      } catch (error) {
        if (isApiError(error) && error.status === 401) return null
        throw error
      }
    },
    staleTime: 60_000,
  })

export const authConfigQuery = () =>
  queryOptions({ queryKey: authKeys.config, queryFn: api.auth.config, staleTime: 5 * 60_000 })

export const apiKeysQuery = () => queryOptions({ queryKey: authKeys.apiKeys, queryFn: api.auth.apiKeys })
