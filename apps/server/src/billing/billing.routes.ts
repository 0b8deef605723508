import {
  AdminStats,
  BillingSummaryQuery,
  BillingSummaryResponse,
  LedgerPage,
  LedgerQuery,
  UsageQuery,
  UsageResponse,
} from '@neuropod/contracts'
import Type from 'typebox'
import { adminOnly, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { BillingService } from './billing.service.js'

export const billingRoutes: RouteModule<{ billing: BillingService }> = (app, { billing }) => {
  const tags = ['Billing']

  app.get(
    '/api/billing/ledger',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Ledger entries, newest first (admins: ?userId=)',
        querystring: LedgerQuery,
        response: { 200: LedgerPage, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const userId = await billing.subjectOf(requireUser(request), request.query.userId)
      const page = request.query.page ?? 1
      const limit = request.query.limit ?? 50
      const { total, entries } = await billing.ledger(userId, {
        type: request.query.type,
        podId: request.query.podId,
        page,
        limit,
      })
      return { success: true as const, count: entries.length, total, page, limit, data: entries }
    },
  )

  app.get(
    '/api/billing/usage',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'What was charged per pod per UTC day (admins: ?userId=)',
        querystring: UsageQuery,
        response: { 200: UsageResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const userId = await billing.subjectOf(requireUser(request), request.query.userId)
      return {
        success: true as const,
        data: await billing.usage(userId, request.query.from, request.query.to),
      }
    },
  )

  app.get(
    '/api/billing/summary',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Balance, burn rate and the time it covers',
        querystring: BillingSummaryQuery,
        response: { 200: BillingSummaryResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const userId = await billing.subjectOf(requireUser(request), request.query.userId)
      return { success: true as const, data: await billing.summary(userId) }
    },
  )

  app.get(
    '/api/admin/stats',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['Admin'],
        summary: 'Dashboard figures: users, pods by state, GPUs in use, revenue per day',
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })) },
          { additionalProperties: false },
        ),
        response: { 200: AdminStats, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ success: true as const, data: await billing.adminStats(request.query.days ?? 30) }),
  )
}
