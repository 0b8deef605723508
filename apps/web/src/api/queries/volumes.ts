import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'

export const volumeKeys = { list: ['volumes', 'list'] as const, atRisk: ['volumes', 'atRisk'] as const }

/** The user's volumes (admins: every volume). */
export const volumesQuery = () => queryOptions({ queryKey: volumeKeys.list, queryFn: api.volumes.list })

/** Admins: volumes whose owner's balance has been negative for the configured time. */
export const volumesAtRiskQuery = () =>
  queryOptions({ queryKey: volumeKeys.atRisk, queryFn: api.volumes.atRisk })
