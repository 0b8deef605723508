import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// The simulated runtime's own state (its "engine"): each simulated pod's volume, container phase,
// start time and logs, so a control-plane restart resumes simulated pods as a real engine keeps
// its containers (ADR 0007). No environment is stored: it holds the pod's secrets.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table simulated_pods (
      pod_id text primary key,
      state jsonb not null,
      updated_at timestamptz not null default now()
    )`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists simulated_pods`.execute(db)
}
