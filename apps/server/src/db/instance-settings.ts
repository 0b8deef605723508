import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * A value generated on first start and kept in the database, so every replica shares it: the
 * secret (when NEUROPOD_SECRET is unset) and the instance id that labels runtime objects.
 */
export async function instanceSetting(
  db: Kysely<Database>,
  key: string,
  generate: () => string,
): Promise<string> {
  const existing = await db
    .selectFrom('instance_settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst()
  if (existing) return existing.value
  await db
    .insertInto('instance_settings')
    .values({ key, value: generate() })
    .onConflict((oc) => oc.doNothing())
    .execute()
  const row = await db
    .selectFrom('instance_settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirstOrThrow()
  return row.value
}
