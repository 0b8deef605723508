import type { MetricsRange, PodMetricsHistory } from '@neuropod/contracts'
import type { Principal } from '../auth/principal.js'
import type { Clock } from '../lib/clock.js'
import type { MetricsRepository } from './metrics.repository.js'

/**
 * Reads of the usage history: a pod's figures over 1 h (raw samples), 24 h or 7 d (averages of the
 * 1-minute rows over 5- or 30-minute buckets, so a chart never gets 10,000 points), and the
 * admins' GPUs-in-use series.
 */

export interface MetricsServiceDeps {
  repository: MetricsRepository
  clock: Clock
  /** Owner or admin, else 403/404 (the pods service's rule) */
  accessible(principal: Principal, podId: string): Promise<unknown>
  /** Where figures come from (the runtime's metrics source) */
  source: string
  /** Why there is no sample at all: the simulation measures nothing, others have not sampled yet */
  noSampleReason: string
  intervalSeconds: number
}

const HOUR_MS = 3_600_000
const RANGES: Record<MetricsRange, { sinceMs: number; bucketSeconds: number | null }> = {
  '1h': { sinceMs: HOUR_MS, bucketSeconds: null },
  '24h': { sinceMs: 24 * HOUR_MS, bucketSeconds: 300 },
  '7d': { sinceMs: 7 * 24 * HOUR_MS, bucketSeconds: 1800 },
}

export class MetricsService {
  constructor(private readonly deps: MetricsServiceDeps) {}

  async podHistory(principal: Principal, podId: string, range: MetricsRange): Promise<PodMetricsHistory> {
    await this.deps.accessible(principal, podId)
    const { repository, clock } = this.deps
    const spec = RANGES[range]
    const since = new Date(clock.now().getTime() - spec.sinceMs)
    const points =
      spec.bucketSeconds === null
        ? await repository.raw(podId, since)
        : await repository.averaged(podId, since, spec.bucketSeconds)
    const latest = await repository.latestUnavailable(podId)
    return {
      podId,
      range,
      resolutionSeconds: spec.bucketSeconds ?? this.deps.intervalSeconds,
      points,
      unavailable: latest ?? { all: this.deps.noSampleReason },
      source: this.deps.source,
    }
  }

  async gpuUsage(range: MetricsRange) {
    const spec = RANGES[range]
    const since = new Date(this.deps.clock.now().getTime() - spec.sinceMs)
    const bucketSeconds = spec.bucketSeconds ?? 60
    return {
      range,
      resolutionSeconds: bucketSeconds,
      points: await this.deps.repository.gpuUsage(since, bucketSeconds),
    }
  }
}
