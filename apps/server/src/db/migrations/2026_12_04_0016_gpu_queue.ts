import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// The GPU queue (ADR 0023): when a pod first waits for a device of its type. Devices go to the
// pod queued earliest; cleared when the pod gets its devices or is started again.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table pods add column queued_at timestamptz`.execute(db)
  await sql`create index pods_gpu_queue on pods (gpu, queued_at) where queued_at is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists pods_gpu_queue`.execute(db)
  await sql`alter table pods drop column if exists queued_at`.execute(db)
}
