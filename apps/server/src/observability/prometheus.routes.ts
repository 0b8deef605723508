import { timingSafeEqual } from 'node:crypto'
import type { Config } from '../config.js'
import type { RouteModule } from '../http/route-context.js'
import type { PlatformMetrics } from './prometheus.js'

/**
 * GET /metrics in the Prometheus text format, only with `Authorization: Bearer
 * $NEUROPOD_METRICS_TOKEN`. Without a configured token the endpoint does not exist (404).
 */
export interface PrometheusRoutesDeps {
  config: Pick<Config, 'metrics'>
  observability: PlatformMetrics
}

export const prometheusRoutes: RouteModule<PrometheusRoutesDeps> = (app, { config, observability }) => {
  const token = config.metrics.token
  if (!token) return
  const expected = Buffer.from(`Bearer ${token}`)
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      reply.header('www-authenticate', 'Bearer realm="neuropod-metrics"')
      return reply.code(401).type('text/plain').send('A valid metrics token is required\n')
    }
    return reply.type(observability.contentType()).send(await observability.text())
  })
}
