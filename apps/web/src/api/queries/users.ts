import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'
import type { UsersFilter } from '../types'

export const userKeys = {
  all: ['users'] as const,
  list: (filter: UsersFilter) => ['users', filter] as const,
}

export const usersQuery = (filter: UsersFilter) =>
  queryOptions({
    queryKey: userKeys.list(filter),
    queryFn: () => api.users.list(filter),
    placeholderData: (previous) => previous,
  })
