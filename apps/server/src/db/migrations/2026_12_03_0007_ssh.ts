import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// SSH public keys on users' accounts (the gateway authenticates with them) and the record of every
// shell session into a pod, web terminal or SSH (ADR 0015).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table ssh_keys (
      id text primary key,
      user_id text not null references users(id) on delete cascade,
      name text not null,
      algorithm text not null,
      public_key text not null,
      fingerprint text not null,
      comment text,
      created_at timestamptz not null,
      last_used_at timestamptz
    )`.execute(db)
  // One key belongs to one account: the gateway identifies the user by the key alone.
  await sql`create unique index ssh_keys_fingerprint_key on ssh_keys (fingerprint)`.execute(db)
  await sql`create index ssh_keys_user_idx on ssh_keys (user_id, created_at desc)`.execute(db)

  await sql`
    create table shell_sessions (
      id text primary key,
      user_id text not null references users(id) on delete cascade,
      pod_id text not null,
      kind text not null check (kind in ('terminal', 'ssh')),
      detail text not null,
      remote_address text,
      started_at timestamptz not null,
      ended_at timestamptz
    )`.execute(db)
  await sql`create index shell_sessions_started_idx on shell_sessions (started_at desc)`.execute(db)
  await sql`create index shell_sessions_open_idx on shell_sessions (pod_id) where ended_at is null`.execute(
    db,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists shell_sessions`.execute(db)
  await sql`drop table if exists ssh_keys`.execute(db)
}
