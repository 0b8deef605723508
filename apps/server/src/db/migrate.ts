import type { Kysely } from 'kysely'
import { type Migration, type MigrationProvider, Migrator } from 'kysely'
import * as m0001 from './migrations/2026_11_27_0001_initial.js'
import * as m0002 from './migrations/2026_11_27_0002_search_indexes.js'
import * as m0003 from './migrations/2026_11_28_0003_proxy_tickets.js'
import * as m0005sim from './migrations/2026_12_03_0005_simulation.js'
import * as m0006volumes from './migrations/2026_12_03_0006_volumes.js'
import * as m0007ssh from './migrations/2026_12_03_0007_ssh.js'
import * as m0008metrics from './migrations/2026_12_03_0008_metrics.js'
import * as m0009idle from './migrations/2026_12_03_0009_idle.js'
import * as m0013replicas from './migrations/2026_12_04_0013_replicas.js'
import * as m0016queue from './migrations/2026_12_04_0016_gpu_queue.js'

/** Migrations are listed here explicitly (no directory scanning), so bundles and tests see the same set. */
const migrations: Record<string, Migration> = {
  '2026_11_27_0001_initial': m0001,
  '2026_11_27_0002_search_indexes': m0002,
  '2026_11_28_0003_proxy_tickets': m0003,
  '2026_12_03_0005_simulation': m0005sim,
  '2026_12_03_0007_ssh': m0007ssh,
  '2026_12_03_0008_metrics': m0008metrics,
  '2026_12_03_0009_idle': m0009idle,
  '2026_12_04_0013_replicas': m0013replicas,
  '2026_12_03_0006_volumes': m0006volumes,
  '2026_12_04_0016_gpu_queue': m0016queue,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return migrate(db, null)
}

/** Migrates up (or down) to `name` exactly: tests populate a database as an older release left it. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema
export async function migrateTo(db: Kysely<any>, name: string): Promise<string[]> {
  if (!(name in migrations)) throw new Error(`Unknown migration ${name}`)
  return migrate(db, name)
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema
async function migrate(db: Kysely<any>, target: string | null): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'neuropod_migrations',
    migrationLockTableName: 'neuropod_migrations_lock',
    // Numbers were reserved per feature and landed out of order (0007 and 0008 before 0006): a
    // database that already ran a later one still runs an earlier one it has not.
    allowUnorderedMigrations: true,
  })
  const { error, results } =
    target === null ? await migrator.migrateToLatest() : await migrator.migrateTo(target)
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    throw new Error(
      `Database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
