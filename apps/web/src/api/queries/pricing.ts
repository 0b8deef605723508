import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'

export const pricingKeys = {
  all: ['pricing'] as const,
  public: ['pricing', 'public'] as const,
  full: ['pricing', 'full'] as const,
  gpus: ['pricing', 'gpus'] as const,
}

export const publicPricingQuery = () =>
  queryOptions({ queryKey: pricingKeys.public, queryFn: api.pricing.public })
export const pricingQuery = () => queryOptions({ queryKey: pricingKeys.full, queryFn: api.pricing.full })

/** GPU types with live stock; polled because stock changes as other users' pods start and stop. */
export const gpusQuery = () =>
  queryOptions({ queryKey: pricingKeys.gpus, queryFn: api.pricing.gpus, refetchInterval: 15_000 })
