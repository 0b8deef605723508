import {
  AdminMetricsQuery,
  GpuUsageResponse,
  PodMetricsQuery,
  PodMetricsResponse,
  PodParams,
} from '@neuropod/contracts'
import { adminOnly, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { MetricsService } from './metrics.service.js'

export const metricsRoutes: RouteModule<{ metrics: MetricsService }> = (app, { metrics }) => {
  app.get(
    '/api/pods/:podId/metrics',
    {
      preValidation: userOnly,
      schema: {
        tags: ['Pods'],
        summary: 'Usage history: CPU, memory, network, GPU and VRAM over 1h, 24h or 7d',
        params: PodParams,
        querystring: PodMetricsQuery,
        response: { 200: PodMetricsResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await metrics.podHistory(requireUser(request), request.params.podId, request.query.range ?? '1h'),
    }),
  )

  app.get(
    '/api/admin/metrics/gpus',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['Admin'],
        summary: 'GPUs in use per type over 24h or 7d',
        querystring: AdminMetricsQuery,
        response: { 200: GpuUsageResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await metrics.gpuUsage(request.query.range ?? '24h'),
    }),
  )
}
