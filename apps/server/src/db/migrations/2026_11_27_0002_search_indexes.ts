import { type Kysely, sql } from 'kysely'

// Frozen. Substring searches of the admin pages: owner e-mail and pod name.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index users_email_trgm_idx on users using gin (email gin_trgm_ops) where deleted_at is null`.execute(
    db,
  )
  await sql`create index pods_name_trgm_idx on pods using gin (lower(name) gin_trgm_ops) where deleted_at is null`.execute(
    db,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists users_email_trgm_idx`.execute(db)
  await sql`drop index if exists pods_name_trgm_idx`.execute(db)
}
