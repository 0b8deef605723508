import { queryOptions } from '@tanstack/react-query'
import { api } from '../api'
import type { LedgerFilter } from '../types'

export const billingKeys = {
  all: ['billing'] as const,
  summary: ['billing', 'summary'] as const,
  ledger: (filter: LedgerFilter) => ['billing', 'ledger', filter] as const,
  usage: (from?: string, to?: string) => ['billing', 'usage', from ?? null, to ?? null] as const,
  adminStats: (days: number) => ['billing', 'admin-stats', days] as const,
  gpuUsage: (range: '24h' | '7d') => ['billing', 'gpu-usage', range] as const,
}

export const billingSummaryQuery = () =>
  queryOptions({ queryKey: billingKeys.summary, queryFn: api.billing.summary, refetchInterval: 60_000 })

export const ledgerQuery = (filter: LedgerFilter) =>
  queryOptions({
    queryKey: billingKeys.ledger(filter),
    queryFn: () => api.billing.ledger(filter),
    placeholderData: (previous) => previous,
  })

export const usageQuery = (from?: string, to?: string) =>
  queryOptions({ queryKey: billingKeys.usage(from, to), queryFn: () => api.billing.usage(from, to) })

export const adminStatsQuery = (days: number) =>
  queryOptions({
    queryKey: billingKeys.adminStats(days),
    queryFn: () => api.billing.adminStats(days),
    refetchInterval: 30_000,
  })

export const gpuUsageQuery = (range: '24h' | '7d') =>
  queryOptions({
    queryKey: billingKeys.gpuUsage(range),
    queryFn: () => api.billing.gpuUsage(range),
    refetchInterval: 300_000,
  })
