import {
  CalculateCostBody,
  CostResponse,
  Envelope,
  GpuInfo,
  GpuParams,
  MessageEnvelope,
  Pricing,
  UpdatePricingBody,
} from '@neuropod/contracts'
import Type from 'typebox'
import { adminOnly, requireAdmin, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { PricingService } from './pricing.service.js'

const PublicPricing = Type.Object({
  gpus: Pricing.properties.gpus,
  storage: Pricing.properties.storage,
  limits: Pricing.properties.limits,
  freeTier: Pricing.properties.freeTier,
  billing: Pricing.properties.billing,
  availableGpus: Pricing.properties.availableGpus,
})

export const pricingRoutes: RouteModule<{ pricing: PricingService }> = (app, { pricing }) => {
  const tags = ['Pricing']
  const publicView = async () => {
    const { updatedAt: _u, updatedBy: _b, ...view } = await pricing.view()
    return { success: true as const, data: view }
  }

  app.get(
    '/api/pricing/public',
    {
      schema: {
        tags,
        summary: 'The price catalog (no sign-in needed)',
        response: { 200: Envelope(PublicPricing) },
      },
    },
    publicView,
  )
  app.get(
    '/api/status/pricing',
    { schema: { tags, summary: 'Alias of /api/pricing/public', response: { 200: Envelope(PublicPricing) } } },
    publicView,
  )

  app.get(
    '/api/pricing',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'The full price catalog',
        response: { 200: Envelope(Pricing), ...errorResponses(401) },
      },
    },
    async (request) => ({
      success: true as const,
      data: request.principal?.role === 'admin' ? await pricing.adminView() : await pricing.view(),
    }),
  )

  // No sign-in needed (the original asked for one): the landing page and the deploy form show
  // the price before anyone signs in, from the same public catalog as /api/pricing/public.
  const calculate = async (request: { body: CalculateCostBody }) => ({
    success: true as const,
    data: await pricing.calculateCost(request.body),
  })
  const calculateSchema = (summary: string) => ({
    schema: {
      tags,
      summary,
      description: 'No sign-in needed: prices are public (`/api/pricing/public`).',
      body: CalculateCostBody,
      response: { 200: CostResponse, ...errorResponses(400) },
    },
  })
  app.post(
    '/api/pricing/calculate-cost',
    calculateSchema('Cost of a configuration per hour and for `hours` hours (no sign-in needed)'),
    calculate,
  )
  app.post('/api/status/calculate-cost', calculateSchema('Alias of /api/pricing/calculate-cost'), calculate)

  app.get(
    '/api/pricing/gpus/available',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'GPU types open for new pods, with live stock when the runtime knows it',
        response: { 200: Envelope(Type.Array(GpuInfo)), ...errorResponses(401) },
      },
    },
    async () => ({ success: true as const, data: await pricing.gpuInfos(true) }),
  )

  app.get(
    '/api/pricing/gpus',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Every GPU type in the catalog, with stock',
        response: { 200: Envelope(Type.Array(GpuInfo)), ...errorResponses(401) },
      },
    },
    async () => ({ success: true as const, data: await pricing.gpuInfos(false) }),
  )

  app.get(
    '/api/pricing/gpus/:gpuId',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'One GPU type',
        params: GpuParams,
        response: { 200: Envelope(GpuInfo), ...errorResponses(401, 404) },
      },
    },
    async (request) => ({ success: true as const, data: await pricing.gpuInfo(request.params.gpuId) }),
  )

  app.put(
    '/api/pricing',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary:
          'Change prices, GPU types (add, edit, remove with null), limits, free tier and billing settings',
        body: UpdatePricingBody,
        response: { 200: MessageEnvelope(Pricing), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      await pricing.update(request.body, requireAdmin(request).userId)
      return { success: true as const, message: 'Prices updated', data: await pricing.adminView() }
    },
  )

  app.post(
    '/api/pricing/reset',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Restore the default catalog (and the seed variables)',
        response: { 200: MessageEnvelope(Pricing), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      await pricing.reset(requireAdmin(request).userId)
      return { success: true as const, message: 'Prices reset to defaults', data: await pricing.adminView() }
    },
  )
}
