import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'

export const volumeKeys = { list: ['volumes', 'list'] as const }

/** The user's volumes (admins: every volume). */
export const volumesQuery = () => queryOptions({ queryKey: volumeKeys.list, queryFn: api.volumes.list })
