import type { MetricField } from '@neuropod/contracts'

/**
 * The measuring half of a runtime (issue 12, ADR 0017): what each running pod uses, collected
 * once per interval for all of them. Adapters keep whatever is cheap to keep open (Docker: one
 * stats stream per container and one nvidia-smi process; Kubernetes: one metrics.k8s.io list for
 * the namespace) and never invent a figure: a missing one is null with a reason in `unavailable`.
 */

export type MetricFigures = Record<MetricField, number | null>

export interface MetricsTarget {
  podId: string
  /** GPU devices the platform placed the pod on (docker); empty when none or the cluster placed it */
  gpuDeviceIds: string[]
  /** GPUs the pod asked for (0 = a CPU pod, which has no GPU figures to miss) */
  gpuCount: number
}

export interface PodMetricSample {
  podId: string
  figures: MetricFigures
  /** Only the missing figures, each with why */
  unavailable: Partial<Record<MetricField, string>>
}

export interface MetricsSource {
  /** Where the figures come from, shown with them ("docker stats stream + nvidia-smi") */
  readonly description: string
  /** One sample per target (in any order); `now` is the sampler's (injected) clock. */
  collect(targets: MetricsTarget[], now: Date): Promise<PodMetricSample[]>
  /** Runtime API requests made so far (the benchmark checks they do not grow with pods). */
  requestCount(): number
  close(): void
}

export const CPU_FIELDS = ['cpuPercent', 'memoryUsedBytes', 'memoryLimitBytes'] as const
export const NET_FIELDS = ['netRxBytesPerSecond', 'netTxBytesPerSecond'] as const
export const GPU_FIELDS = [
  'gpuUtilizationPercent',
  'vramUsedBytes',
  'vramTotalBytes',
  'gpuTemperatureC',
  'gpuPowerWatts',
] as const

export function emptyFigures(): MetricFigures {
  return {
    cpuPercent: null,
    memoryUsedBytes: null,
    memoryLimitBytes: null,
    netRxBytesPerSecond: null,
    netTxBytesPerSecond: null,
    gpuUtilizationPercent: null,
    vramUsedBytes: null,
    vramTotalBytes: null,
    gpuTemperatureC: null,
    gpuPowerWatts: null,
  }
}

/** Builds a sample; every figure left null gets `reason` unless a more specific one was given. */
export class SampleBuilder {
  readonly figures = emptyFigures()
  readonly unavailable: Partial<Record<MetricField, string>> = {}

  constructor(readonly podId: string) {}

  set(field: MetricField, value: number | null | undefined, reasonIfMissing: string): this {
    if (value === null || value === undefined || !Number.isFinite(value)) {
      this.figures[field] = null
      this.unavailable[field] ??= reasonIfMissing
    } else {
      this.figures[field] = value
      delete this.unavailable[field]
    }
    return this
  }

  missing(fields: readonly MetricField[], reason: string): this {
    for (const f of fields) this.set(f, null, reason)
    return this
  }

  build(): PodMetricSample {
    return { podId: this.podId, figures: { ...this.figures }, unavailable: { ...this.unavailable } }
  }
}

/** A sample with nothing measured, every figure for the same reason. */
export function unmeasured(podId: string, reason: string): PodMetricSample {
  return new SampleBuilder(podId).missing([...CPU_FIELDS, ...NET_FIELDS, ...GPU_FIELDS], reason).build()
}

/** The simulation runs no containers, so there is nothing to measure. */
export class SimulatedMetricsSource implements MetricsSource {
  readonly description = 'simulated runtime: no measurements'
  async collect(targets: MetricsTarget[]): Promise<PodMetricSample[]> {
    return targets.map((t) => unmeasured(t.podId, this.description))
  }
  requestCount(): number {
    return 0
  }
  close(): void {}
}
