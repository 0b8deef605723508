import type { PodMetricsEvent } from '@neuropod/contracts'
import { type Clock, monotonicMs } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { Bus } from '../realtime/bus.js'
import type { MetricsSource, PodMetricSample } from '../runtime/metrics-source.js'
import { type MetricsRepository, measuredAnything } from './metrics.repository.js'

/**
 * The leader's metrics loop (ADR 0017): every interval, one collection from the runtime for all
 * running pods → raw rows → live `podMetrics` to each pod's subscribers. Once a minute it rolls
 * the finished minutes up into averages, records GPUs in use per type, and prunes past retention.
 * Time comes from the injected clock, so tests and the benchmark drive it.
 */

export interface SamplerSettings {
  intervalSeconds: number
  rawRetentionMinutes: number
  minuteRetentionDays: number
}

export interface SamplerDeps {
  repository: MetricsRepository
  source: MetricsSource
  bus: Bus
  clock: Clock
  log: Logger
  settings: SamplerSettings
  /** Observes each collection (for /metrics) */
  onSample?: (result: SampleResult) => void
}

export interface SampleResult {
  pods: number
  stored: number
  durationMs: number
  /** CPU time this process spent in the interval's work (user + system) */
  cpuMs: number
}

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
/** Socket messages are batched so each fits in one NOTIFY (8000 bytes). */
const PUBLISH_BATCH_BYTES = 6000

export class MetricsSampler {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null
  /** End of the last minute rolled up (exclusive); null until the first roll-up after leading */
  private rolledTo: Date | null = null
  /** Per pod, the reasons last sent for a sample that measured nothing (sent once, not every interval) */
  private readonly quiet = new Map<string, string>()
  lastResult: SampleResult | null = null

  constructor(private readonly deps: SamplerDeps) {}

  start(): void {
    this.stop()
    this.timer = setInterval(() => void this.tickSafely(), this.deps.settings.intervalSeconds * 1000)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.rolledTo = null
    this.quiet.clear()
  }

  async drain(): Promise<void> {
    await this.running?.catch(() => {})
  }

  private async tickSafely(): Promise<void> {
    if (this.running) return // a slow interval never overlaps the next
    const work = this.tick().catch((error) => this.deps.log.warn({ err: error }, 'metrics sampling failed'))
    this.running = work
    await work
    this.running = null
  }

  /** One interval: sample, then the minute's chores when a minute has passed. */
  async tick(now = this.deps.clock.now()): Promise<SampleResult> {
    const result = await this.sample(now)
    await this.maintain(now)
    return result
  }

  async sample(now = this.deps.clock.now()): Promise<SampleResult> {
    const started = monotonicMs()
    const cpu = process.cpuUsage()
    const targets = await this.deps.repository.targets()
    const samples = targets.length > 0 ? await this.deps.source.collect(targets, now) : []
    const stored = await this.deps.repository.insert(samples, now)
    this.publish(samples, now)
    const used = process.cpuUsage(cpu)
    this.lastResult = {
      pods: targets.length,
      stored,
      durationMs: monotonicMs() - started,
      cpuMs: (used.user + used.system) / 1000,
    }
    this.deps.onSample?.(this.lastResult)
    return this.lastResult
  }

  /** Rolls finished minutes up, records GPU use for this minute, prunes past retention. */
  async maintain(now = this.deps.clock.now()): Promise<void> {
    const { settings, repository } = this.deps
    const minute = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS)
    if (this.rolledTo && this.rolledTo.getTime() >= minute.getTime()) return
    // After taking the lead, (re)do everything the raw rows still cover: the upsert is idempotent.
    const from = this.rolledTo ?? new Date(minute.getTime() - settings.rawRetentionMinutes * MINUTE_MS)
    await repository.rollUp(from, minute)
    await repository.recordGpuUsage(minute)
    await repository.prune(
      new Date(now.getTime() - settings.rawRetentionMinutes * MINUTE_MS),
      new Date(now.getTime() - settings.minuteRetentionDays * DAY_MS),
    )
    this.rolledTo = minute
  }

  private publish(samples: PodMetricSample[], now: Date): void {
    const timestamp = now.toISOString()
    let batch: PodMetricsEvent[] = []
    let bytes = 0
    const flush = () => {
      if (batch.length > 0) this.deps.bus.publish({ kind: 'pod-metrics', samples: batch })
      batch = []
      bytes = 0
    }
    const present = new Set<string>()
    for (const s of samples) {
      present.add(s.podId)
      if (measuredAnything(s)) this.quiet.delete(s.podId)
      else {
        // Nothing measured (the simulation, no metrics-server…): say why once, not every interval.
        const why = JSON.stringify(s.unavailable)
        if (this.quiet.get(s.podId) === why) continue
        this.quiet.set(s.podId, why)
      }
      const event: PodMetricsEvent = {
        type: 'podMetrics',
        podId: s.podId,
        sample: { at: timestamp, ...s.figures },
        unavailable: s.unavailable,
        timestamp,
      }
      const size = JSON.stringify(event).length
      if (bytes + size > PUBLISH_BATCH_BYTES) flush()
      batch.push(event)
      bytes += size
    }
    flush()
    for (const podId of this.quiet.keys()) if (!present.has(podId)) this.quiet.delete(podId)
  }
}
