import Type, { type Static } from 'typebox'
import { Envelope, IsoDate, Nullable, PodId } from './common.js'

/**
 * Per-pod measurements (issue 12). Every figure is null when the runtime cannot measure it;
 * `unavailable` then says why, per figure. Nothing is estimated or invented.
 */

export const MetricFields = [
  'cpuPercent',
  'memoryUsedBytes',
  'memoryLimitBytes',
  'netRxBytesPerSecond',
  'netTxBytesPerSecond',
  'gpuUtilizationPercent',
  'vramUsedBytes',
  'vramTotalBytes',
  'gpuTemperatureC',
  'gpuPowerWatts',
] as const
export type MetricField = (typeof MetricFields)[number]

const figure = (description: string) => Nullable(Type.Number({ description }))

export const PodMetricPoint = Type.Object({
  at: IsoDate,
  cpuPercent: figure('CPU use in % of one CPU (200 = two CPUs busy)'),
  memoryUsedBytes: figure('Memory in use, without the page cache the kernel can drop'),
  memoryLimitBytes: figure('Memory the container may use'),
  netRxBytesPerSecond: figure('Bytes received per second'),
  netTxBytesPerSecond: figure('Bytes sent per second'),
  gpuUtilizationPercent: figure("Mean utilisation of the pod's GPUs"),
  vramUsedBytes: figure("GPU memory in use over the pod's GPUs"),
  vramTotalBytes: figure("GPU memory of the pod's GPUs"),
  gpuTemperatureC: figure('Hottest of the pod’s GPUs, °C'),
  gpuPowerWatts: figure("Power drawn by the pod's GPUs, W"),
})
export type PodMetricPoint = Static<typeof PodMetricPoint>

/** Why figures are missing: figure name → reason (only the missing ones). */
export const MetricsUnavailable = Type.Record(Type.String(), Type.String())
export type MetricsUnavailable = Static<typeof MetricsUnavailable>

export const MetricsRange = Type.Union([Type.Literal('1h'), Type.Literal('24h'), Type.Literal('7d')], {
  description: 'How far back: 1h (raw samples), 24h or 7d (1-minute averages)',
})
export type MetricsRange = Static<typeof MetricsRange>

export const PodMetricsQuery = Type.Object(
  { range: Type.Optional(MetricsRange) },
  { additionalProperties: false },
)
export type PodMetricsQuery = Static<typeof PodMetricsQuery>

export const PodMetricsHistory = Type.Object({
  podId: PodId,
  range: MetricsRange,
  /** Seconds between points: the sampling interval for 1h, 60 for the averages */
  resolutionSeconds: Type.Integer(),
  points: Type.Array(PodMetricPoint),
  unavailable: MetricsUnavailable,
  /** Where the figures come from, e.g. "docker stats stream + nvidia-smi" */
  source: Type.String(),
})
export type PodMetricsHistory = Static<typeof PodMetricsHistory>
export const PodMetricsResponse = Envelope(PodMetricsHistory)

export const AdminMetricsQuery = Type.Object(
  { range: Type.Optional(Type.Union([Type.Literal('24h'), Type.Literal('7d')])) },
  { additionalProperties: false },
)
export type AdminMetricsQuery = Static<typeof AdminMetricsQuery>

/** GPUs held by running pods, per type, over time (the peak of each bucket). */
export const GpuUsageHistory = Type.Object({
  range: MetricsRange,
  resolutionSeconds: Type.Integer(),
  points: Type.Array(Type.Object({ at: IsoDate, gpuType: Type.String(), gpus: Type.Integer() })),
})
export type GpuUsageHistory = Static<typeof GpuUsageHistory>
export const GpuUsageResponse = Envelope(GpuUsageHistory)
