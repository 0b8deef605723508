import fs from 'node:fs'
import { PGlite, types } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { Kysely, PostgresDialect } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import type { Database } from './schema.js'

export type DatabaseKind = 'pglite' | 'postgresql'

export interface DatabaseHandle {
  db: Kysely<Database>
  kind: DatabaseKind
  /** For PostgreSQL: connection settings for LISTEN/NOTIFY and advisory locks on dedicated clients. */
  connectionString: string | null
  close(): Promise<void>
  /** PGlite only: a copy of the whole data directory (tests clone a migrated database from it) */
  dumpDataDir?(): Promise<Blob>
}

const INT8_OID = 20
const DATE_OID = 1082

// bigint → number: every bigint we store (micro-euros, ms, ids) stays far below 2^53.
pg.types.setTypeParser(INT8_OID, (v: string) => Number(v))
// dates stay 'YYYY-MM-DD' strings instead of local-midnight Date objects.
pg.types.setTypeParser(DATE_OID, (v: string) => v)

export const pgliteParsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.DATE]: (v: string) => v,
}

export async function openPglite(options: { dataDir?: string; loadDataDir?: Blob }): Promise<DatabaseHandle> {
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true })
  const client = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    extensions: { pg_trgm },
    parsers: pgliteParsers,
  })
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) })
  return {
    db,
    kind: 'pglite',
    connectionString: null,
    close: async () => {
      await db.destroy()
    },
    dumpDataDir: async () => (await client.dumpDataDir('none')) as Blob,
  }
}

export function openPostgres(connectionString: string, maxConnections = 10): DatabaseHandle {
  const pool = new pg.Pool({ connectionString, max: maxConnections })
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    kind: 'postgresql',
    connectionString,
    close: () => db.destroy(),
  }
}
