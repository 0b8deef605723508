import type { MetricField, PodMetricPoint } from '@neuropod/contracts'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { MetricsTarget, PodMetricSample } from '../runtime/metrics-source.js'

/**
 * The SQL of per-pod usage history (ADR 0017): raw samples, their 1-minute averages, GPUs in use
 * per type per minute, and the bounded-batch pruning that keeps all three within retention.
 */

/** Column of each figure, in both sample tables. */
export const COLUMNS: Record<MetricField, string> = {
  cpuPercent: 'cpu_percent',
  memoryUsedBytes: 'memory_used_bytes',
  memoryLimitBytes: 'memory_limit_bytes',
  netRxBytesPerSecond: 'net_rx_bps',
  netTxBytesPerSecond: 'net_tx_bps',
  gpuUtilizationPercent: 'gpu_util_percent',
  vramUsedBytes: 'vram_used_bytes',
  vramTotalBytes: 'vram_total_bytes',
  gpuTemperatureC: 'gpu_temp_c',
  gpuPowerWatts: 'gpu_power_w',
}
const FIELDS = Object.keys(COLUMNS) as MetricField[]
const BYTE_FIELDS = new Set<MetricField>([
  'memoryUsedBytes',
  'memoryLimitBytes',
  'vramUsedBytes',
  'vramTotalBytes',
])
/** Sizes the runtime knows from the spec; a row with only these would record no measurement. */
const SIZE_FIELDS = new Set<MetricField>(['memoryLimitBytes', 'vramTotalBytes'])

/** Whether the sample measured anything (not just restated the pod's limits). */
export function measuredAnything(sample: PodMetricSample): boolean {
  return FIELDS.some((f) => !SIZE_FIELDS.has(f) && sample.figures[f] !== null)
}

/** Rows per DELETE: pruning never holds long locks or builds huge transactions. */
export const PRUNE_BATCH = 5000
const INSERT_BATCH = 500

type Row = Record<string, unknown> & { at: Date | string }

function toPoint(row: Row): PodMetricPoint {
  const point = { at: new Date(row.at).toISOString() } as PodMetricPoint
  for (const f of FIELDS) {
    const v = row[COLUMNS[f]]
    const n = v === null || v === undefined ? null : Number(v)
    point[f] = n === null ? null : BYTE_FIELDS.has(f) ? Math.round(n) : Math.round(n * 10) / 10
  }
  return point
}

export class MetricsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Pods whose container runs (compute accrues), with the devices the platform placed them on. */
  async targets(): Promise<(MetricsTarget & { userId: string })[]> {
    const rows = await this.db
      .selectFrom('pods')
      .leftJoin('gpu_allocations', 'gpu_allocations.pod_id', 'pods.id')
      .select([
        'pods.id',
        'pods.user_id',
        'pods.gpu',
        'pods.gpu_count',
        sql<
          string[] | null
        >`array_agg(gpu_allocations.device_id order by gpu_allocations.device_id) filter (where gpu_allocations.device_id is not null)`.as(
          'devices',
        ),
      ])
      .where('pods.compute_active', '=', true)
      .where('pods.deleted_at', 'is', null)
      .groupBy(['pods.id', 'pods.user_id', 'pods.gpu', 'pods.gpu_count'])
      .execute()
    return rows.map((r) => ({
      podId: r.id,
      userId: r.user_id,
      gpuCount: r.gpu === 'cpu' ? 0 : r.gpu_count,
      gpuDeviceIds: r.devices ?? [],
    }))
  }

  /** Stores the samples that measured anything (an all-null row would say nothing). */
  async insert(samples: PodMetricSample[], at: Date): Promise<number> {
    const rows = samples.filter(measuredAnything).map((s) => {
      const row: Record<string, unknown> = {
        pod_id: s.podId,
        at,
        unavailable: Object.keys(s.unavailable).length > 0 ? JSON.stringify(s.unavailable) : null,
      }
      for (const f of FIELDS) row[COLUMNS[f]] = s.figures[f]
      return row
    })
    for (let i = 0; i < rows.length; i += INSERT_BATCH)
      await this.db
        .insertInto('pod_metric_samples')
        // The row is built from COLUMNS, which matches the table; Kysely cannot see that.
        .values(rows.slice(i, i + INSERT_BATCH) as never)
        .onConflict((oc) => oc.columns(['pod_id', 'at']).doNothing())
        .execute()
    return rows.length
  }

  /** (Re)computes the 1-minute averages of every minute in [from, to); idempotent. */
  async rollUp(from: Date, to: Date): Promise<void> {
    const avg = FIELDS.map((f) => sql.raw(`avg(${COLUMNS[f]}) as ${COLUMNS[f]}`))
    const set = FIELDS.map((f) => sql.raw(`${COLUMNS[f]} = excluded.${COLUMNS[f]}`))
    await sql`
      insert into pod_metric_minutes (pod_id, minute, samples, ${sql.raw(FIELDS.map((f) => COLUMNS[f]).join(', '))})
      select pod_id, date_trunc('minute', at), count(*)::int, ${sql.join(avg)}
      from pod_metric_samples
      where at >= ${from} and at < ${to}
      group by 1, 2
      on conflict (pod_id, minute) do update set samples = excluded.samples, ${sql.join(set)}`.execute(
      this.db,
    )
  }

  /** GPUs held by running pods right now, per type, recorded for `minute`. */
  async recordGpuUsage(minute: Date): Promise<void> {
    await sql`
      insert into gpu_usage_minutes (minute, gpu_type, gpus)
      select ${minute}, gpu, sum(gpu_count)::int from pods
      where compute_active and deleted_at is null and gpu <> 'cpu'
      group by gpu
      on conflict (minute, gpu_type) do update set gpus = excluded.gpus`.execute(this.db)
  }

  /** Deletes rows older than the cutoffs, PRUNE_BATCH at a time; returns how many went. */
  async prune(
    rawBefore: Date,
    minutesBefore: Date,
  ): Promise<{ samples: number; minutes: number; gpu: number }> {
    const loop = async (table: string, column: string, keys: string, before: Date) => {
      let total = 0
      for (;;) {
        const result = await sql`
          delete from ${sql.table(table)} where (${sql.raw(keys)}) in (
            select ${sql.raw(keys)} from ${sql.table(table)} where ${sql.ref(column)} < ${before} limit ${PRUNE_BATCH})`.execute(
          this.db,
        )
        const n = Number(result.numAffectedRows ?? 0)
        total += n
        if (n < PRUNE_BATCH) return total
      }
    }
    return {
      samples: await loop('pod_metric_samples', 'at', 'pod_id, at', rawBefore),
      minutes: await loop('pod_metric_minutes', 'minute', 'pod_id, minute', minutesBefore),
      gpu: await loop('gpu_usage_minutes', 'minute', 'minute, gpu_type', minutesBefore),
    }
  }

  async raw(podId: string, since: Date): Promise<PodMetricPoint[]> {
    const rows = await this.db
      .selectFrom('pod_metric_samples')
      .selectAll()
      .where('pod_id', '=', podId)
      .where('at', '>=', since)
      .orderBy('at')
      .execute()
    return rows.map((r) => toPoint(r as unknown as Row))
  }

  /** Averages of the 1-minute rows over buckets of `bucketSeconds`, weighted by sample count. */
  async averaged(podId: string, since: Date, bucketSeconds: number): Promise<PodMetricPoint[]> {
    const cols = FIELDS.map((f) =>
      sql.raw(
        `sum(${COLUMNS[f]} * samples) filter (where ${COLUMNS[f]} is not null) / nullif(sum(samples) filter (where ${COLUMNS[f]} is not null), 0) as ${COLUMNS[f]}`,
      ),
    )
    const result = await sql<Row>`
      select to_timestamp(floor(extract(epoch from minute) / ${bucketSeconds}) * ${bucketSeconds}) as at, ${sql.join(cols)}
      from pod_metric_minutes
      where pod_id = ${podId} and minute >= ${since}
      group by 1 order by 1`.execute(this.db)
    return result.rows.map(toPoint)
  }

  /** Why figures were missing in the pod's latest sample. */
  async latestUnavailable(podId: string): Promise<Record<string, string> | null> {
    const row = await this.db
      .selectFrom('pod_metric_samples')
      .select('unavailable')
      .where('pod_id', '=', podId)
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row ? (row.unavailable ?? {}) : null
  }

  /** GPUs in use per type, averaged over buckets of `bucketSeconds`. */
  async gpuUsage(
    since: Date,
    bucketSeconds: number,
  ): Promise<{ at: string; gpuType: string; gpus: number }[]> {
    const result = await sql<{ at: Date | string; gpu_type: string; gpus: number | string }>`
      select to_timestamp(floor(extract(epoch from minute) / ${bucketSeconds}) * ${bucketSeconds}) as at,
             gpu_type, max(gpus) as gpus
      from gpu_usage_minutes where minute >= ${since}
      group by 1, 2 order by 1, 2`.execute(this.db)
    return result.rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      gpuType: r.gpu_type,
      gpus: Number(r.gpus),
    }))
  }

  /** Rows and bytes the history holds (the benchmark's figures). */
  async size(): Promise<{ samples: number; minutes: number; bytes: number }> {
    const r = await sql<{ samples: string; minutes: string; bytes: string }>`
      select (select count(*) from pod_metric_samples) as samples,
             (select count(*) from pod_metric_minutes) as minutes,
             pg_total_relation_size('pod_metric_samples') + pg_total_relation_size('pod_metric_minutes')
               + pg_total_relation_size('gpu_usage_minutes') as bytes`.execute(this.db)
    const row = r.rows[0]!
    return { samples: Number(row.samples), minutes: Number(row.minutes), bytes: Number(row.bytes) }
  }
}
