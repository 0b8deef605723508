import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// Replica liveness: every replica writes a heartbeat, and each shell session names the replica
// that holds it, so the leader counts only sessions of live replicas as pod activity and closes
// the rows a crashed replica left open (they would otherwise keep a pod from ever idling).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table replicas (
      id text primary key,
      started_at timestamptz not null,
      heartbeat_at timestamptz not null
    )`.execute(db)
  await sql`alter table shell_sessions add column replica_id text`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table shell_sessions drop column if exists replica_id`.execute(db)
  await sql`drop table if exists replicas`.execute(db)
}
