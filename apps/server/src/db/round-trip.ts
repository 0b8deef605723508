import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/** One `select 1`: proves the database answers, without reading any table. */
export async function roundTrip(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db)
}
