import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../src/db/database.js'
import { silentLogger } from '../src/lib/logger.js'
import { MetricsRepository, PRUNE_BATCH } from '../src/metrics/metrics.repository.js'
import { MetricsSampler } from '../src/metrics/sampler.js'
import { LocalBus } from '../src/realtime/bus.js'
import { emptyFigures, type PodMetricSample, SimulatedMetricsSource } from '../src/runtime/metrics-source.js'
import { cloneDatabase, ManualClock } from './harness.js'

/** Downsampling and retention of the usage history, driven by an injected clock (ADR 0017). */

const POD = 'aaaaaaaaaaaaaaaa'
const OTHER = 'bbbbbbbbbbbbbbbb'

function sample(podId: string, cpu: number | null, memory: number | null): PodMetricSample {
  return {
    podId,
    figures: { ...emptyFigures(), cpuPercent: cpu, memoryUsedBytes: memory },
    unavailable: cpu === null ? { cpuPercent: 'CPU % needs two samples' } : {},
  }
}

describe('metrics history', () => {
  let db: { handle: DatabaseHandle; drop: () => Promise<void> }
  let repo: MetricsRepository
  const clock = new ManualClock(new Date('2026-03-01T10:00:00.000Z'))
  let sampler: MetricsSampler

  beforeAll(async () => {
    db = await cloneDatabase()
    repo = new MetricsRepository(db.handle.db)
    sampler = new MetricsSampler({
      repository: repo,
      source: new SimulatedMetricsSource(),
      bus: new LocalBus(),
      clock,
      log: silentLogger,
      settings: { intervalSeconds: 10, rawRetentionMinutes: 60, minuteRetentionDays: 7 },
    })
  })
  afterAll(async () => {
    await db?.handle.close()
    await db?.drop()
  })

  it('keeps only samples that measured something', async () => {
    const stored = await repo.insert([sample(POD, null, null), sample(OTHER, null, 1000)], clock.now())
    expect(stored).toBe(1)
    expect((await repo.raw(POD, new Date(0))).length).toBe(0)
    expect(await repo.latestUnavailable(OTHER)).toEqual({ cpuPercent: 'CPU % needs two samples' })
  })

  it('rolls finished minutes up into averages once a minute has passed', async () => {
    // 10:01:00 … 10:02:50, one sample every 10 s: minute 10:01 has cpu 10..60, minute 10:02 70..120.
    clock.set('2026-03-01T10:01:00.000Z')
    for (let i = 0; i < 12; i++) {
      await repo.insert([sample(POD, 10 * (i + 1), 1_000_000 * (i + 1))], clock.now())
      await sampler.maintain()
      clock.advance(10_000)
    }
    // At 10:02:50 only 10:01 (and the empty 10:00) is finished.
    const partial = await repo.averaged(POD, new Date('2026-03-01T09:00:00Z'), 60)
    expect(partial).toHaveLength(1)
    expect(partial[0]).toMatchObject({
      at: '2026-03-01T10:01:00.000Z',
      cpuPercent: 35,
      memoryUsedBytes: 3_500_000,
    })
    clock.set('2026-03-01T10:03:00.000Z')
    await sampler.maintain()
    const minutes = await repo.averaged(POD, new Date('2026-03-01T09:00:00Z'), 60)
    expect(minutes.map((m) => [m.at, m.cpuPercent])).toEqual([
      ['2026-03-01T10:01:00.000Z', 35],
      ['2026-03-01T10:02:00.000Z', 95],
    ])
    // Coarser buckets average the minutes weighted by their sample counts.
    const fiveMinutes = await repo.averaged(POD, new Date('2026-03-01T09:00:00Z'), 300)
    expect(fiveMinutes).toHaveLength(1)
    expect(fiveMinutes[0]).toMatchObject({ at: '2026-03-01T10:00:00.000Z', cpuPercent: 65 })
    // Null figures stay null in the averages (nothing is invented).
    expect(minutes[0]!.gpuUtilizationPercent).toBeNull()
  })

  it('prunes raw samples after an hour and minutes after seven days, in bounded batches', async () => {
    // More raw rows than one delete batch, all older than the raw retention once the clock moves.
    const base = new Date('2026-03-01T10:05:00.000Z').getTime()
    const rows = PRUNE_BATCH + 250
    for (let i = 0; i < rows; i += 500) {
      const batch = []
      for (let j = i; j < Math.min(rows, i + 500); j++)
        batch.push({ podId: `c${j.toString(16).padStart(15, '0')}`, at: new Date(base + (j % 50) * 1000) })
      for (const at of new Set(batch.map((b) => b.at.getTime())))
        await repo.insert(
          batch.filter((b) => b.at.getTime() === at).map((b) => sample(b.podId, 1, 1)),
          new Date(at),
        )
    }
    clock.set('2026-03-01T10:10:00.000Z')
    await sampler.maintain()
    const before = await repo.size()
    expect(before.samples).toBeGreaterThan(PRUNE_BATCH)

    clock.set('2026-03-01T11:10:00.000Z') // an hour later: every raw row is past retention
    await sampler.maintain()
    const afterHour = await repo.size()
    expect(afterHour.samples).toBe(0)
    expect(afterHour.minutes).toBe(before.minutes) // the averages stay
    expect((await repo.averaged(POD, new Date('2026-03-01T00:00:00Z'), 60)).length).toBe(2)

    clock.set('2026-03-08T10:04:00.000Z') // seven days after 10:03: the 10:01 and 10:02 minutes go
    await sampler.maintain()
    expect((await repo.averaged(POD, new Date('2026-03-01T00:00:00Z'), 60)).length).toBe(0)
    expect((await repo.size()).minutes).toBe(rows) // the 10:05 minute of the many pods is younger
    clock.set('2026-03-08T10:06:00.000Z') // …until it is not: more rows than one batch, all gone
    await sampler.maintain()
    expect((await repo.size()).minutes).toBe(0)
  })

  it('records GPUs in use per type each minute', async () => {
    const points = await repo.gpuUsage(new Date('2026-03-01T00:00:00Z'), 60)
    // No running GPU pods in this database: nothing recorded, nothing invented.
    expect(points).toEqual([])
  })
})
