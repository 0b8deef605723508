import { type Kysely, sql } from 'kysely'

// Frozen: never edit after release; add a new migration instead. Uses Kysely<any> on purpose.
// Pod URL sign-in tickets are one-time: every replica records the ids it redeems here, so a ticket
// replayed against another replica is refused too. Rows only need to outlive the ticket itself.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table proxy_used_tickets (
      id text primary key,
      expires_at timestamptz not null
    )`.execute(db)
  await sql`create index proxy_used_tickets_expires_idx on proxy_used_tickets (expires_at)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists proxy_used_tickets`.execute(db)
}
