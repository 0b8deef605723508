import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// Per-pod usage history (ADR 0017): raw samples (kept about an hour) and 1-minute averages (kept
// about a week), plus GPUs in use per type each minute for the admin dashboard. Pruned by time
// in bounded batches by the leader, so the size is bounded by retention × running pods.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table pod_metric_samples (
      pod_id text not null,
      at timestamptz not null,
      cpu_percent real,
      memory_used_bytes bigint,
      memory_limit_bytes bigint,
      net_rx_bps real,
      net_tx_bps real,
      gpu_util_percent real,
      vram_used_bytes bigint,
      vram_total_bytes bigint,
      gpu_temp_c real,
      gpu_power_w real,
      unavailable jsonb,
      primary key (pod_id, at)
    )`.execute(db)
  await sql`create index pod_metric_samples_at on pod_metric_samples (at)`.execute(db)
  await sql`
    create table pod_metric_minutes (
      pod_id text not null,
      minute timestamptz not null,
      samples integer not null,
      cpu_percent real,
      memory_used_bytes bigint,
      memory_limit_bytes bigint,
      net_rx_bps real,
      net_tx_bps real,
      gpu_util_percent real,
      vram_used_bytes bigint,
      vram_total_bytes bigint,
      gpu_temp_c real,
      gpu_power_w real,
      primary key (pod_id, minute)
    )`.execute(db)
  await sql`create index pod_metric_minutes_minute on pod_metric_minutes (minute)`.execute(db)
  await sql`
    create table gpu_usage_minutes (
      minute timestamptz not null,
      gpu_type text not null,
      gpus integer not null,
      primary key (minute, gpu_type)
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists gpu_usage_minutes`.execute(db)
  await sql`drop table if exists pod_metric_minutes`.execute(db)
  await sql`drop table if exists pod_metric_samples`.execute(db)
}
