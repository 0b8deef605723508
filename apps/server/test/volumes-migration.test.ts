import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { settle } from '../src/billing/settlement.js'
import { settleVolumes } from '../src/billing/volume-settlement.js'
import { type DatabaseHandle, openPglite } from '../src/db/database.js'
import { migrateTo, migrateToLatest } from '../src/db/migrate.js'

/**
 * Migration 0006 (volumes, ADR 0016) on a database as the previous release left it: every pod's
 * volume becomes a row under the runtime name it already has (no data moves), pods reference it,
 * and the volume's meter takes over exactly where the pod's left off.
 */

const PREVIOUS = '2026_12_03_0005_simulation'
const T0 = new Date('2026-12-01T10:00:00.000Z')

let handle: DatabaseHandle | null = null
afterEach(async () => {
  await handle?.close()
  handle = null
})

// biome-ignore lint/suspicious/noExplicitAny: the previous schema has no row types any more
async function insertPod(db: any, values: Record<string, unknown>): Promise<void> {
  await sql`
    insert into pods (id, slug, name, user_id, deployment_type, docker_image, gpu, gpu_count,
      container_disk_size, volume_disk_size, volume_path, enable_jupyter, env, http_services,
      tcp_services, desired_state, status, runtime, compute_rate, storage_rate, compute_active,
      billed_until, billing_carry, created_at, updated_at, deleted_at)
    values (${values.id}, ${`s${values.id}`.slice(0, 10)}, ${values.name}, 'u1', 'docker', 'busybox', 'cpu', 0,
      10, ${values.size}, '/workspace', false, '{}', '[]', '[]', ${values.desired}, ${values.status},
      ${values.runtime}, ${values.computeRate}, ${values.storageRate}, ${values.computeActive},
      ${values.billedUntil}, ${values.carry ?? 0}, ${T0}, ${T0}, ${values.deletedAt ?? null})`.execute(db)
}

describe('migration 0006: volumes', () => {
  it("gives every existing pod's volume a row under its current runtime name and moves its meter", {
    timeout: 180_000,
  }, async () => {
    handle = await openPglite({})
    const db = handle.db
    await migrateTo(db, PREVIOUS)
    await sql`
      insert into users (id, email, name, role, balance, created_at, updated_at)
      values ('u1', 'ana@example.org', 'Ana', 'client', 100000000, ${T0}, ${T0})`.execute(db)
    const base = { computeRate: 2_500_000, storageRate: 2_000_000, billedUntil: T0 }
    await insertPod(db, {
      ...base,
      id: 'aaaaaaaaaaaaaaaa',
      name: 'runs-on-docker',
      size: 20,
      runtime: 'docker',
      desired: 'running',
      status: 'running',
      computeActive: true,
      carry: 1234,
    })
    await insertPod(db, {
      ...base,
      id: 'bbbbbbbbbbbbbbbb',
      name: 'stopped-on-k8s',
      size: 50,
      runtime: 'kubernetes',
      desired: 'stopped',
      status: 'stopped',
      computeActive: false,
    })
    await insertPod(db, {
      ...base,
      id: 'cccccccccccccccc',
      name: 'simulated',
      size: 5,
      runtime: 'simulated',
      desired: 'deleted',
      status: 'deleting',
      computeActive: false,
    })
    await insertPod(db, {
      ...base,
      id: 'dddddddddddddddd',
      name: 'long-gone',
      size: 5,
      runtime: 'docker',
      desired: 'deleted',
      status: 'deleted',
      computeActive: false,
      billedUntil: null,
      deletedAt: T0,
    })

    expect(await migrateToLatest(db)).toContain('2026_12_03_0006_volumes')

    const volumes = await db.selectFrom('volumes').selectAll().orderBy('id').execute()
    expect(
      volumes.map((v) => ({
        id: v.id,
        name: v.name,
        size: v.size_gb,
        runtime: v.runtime,
        runtimeName: v.runtime_name,
        rate: v.rate,
        path: v.mount_path,
        status: v.status,
      })),
    ).toEqual([
      {
        id: 'aaaaaaaaaaaaaaaa',
        name: 'runs-on-docker',
        size: 20,
        runtime: 'docker',
        runtimeName: 'neuropod-aaaaaaaaaaaaaaaa-data',
        rate: 2_000_000,
        path: '/workspace',
        status: 'ready',
      },
      {
        id: 'bbbbbbbbbbbbbbbb',
        name: 'stopped-on-k8s',
        size: 50,
        runtime: 'kubernetes',
        runtimeName: 'np-bbbbbbbbbbbbbbbb-data',
        rate: 2_000_000,
        path: '/workspace',
        status: 'ready',
      },
      {
        id: 'cccccccccccccccc',
        name: 'simulated',
        size: 5,
        runtime: 'simulated',
        runtimeName: 'cccccccccccccccc',
        rate: 2_000_000,
        path: '/workspace',
        status: 'ready',
      },
    ])
    for (const v of volumes) expect(new Date(v.billed_until!).toISOString()).toBe(T0.toISOString())

    const pods = await db
      .selectFrom('pods')
      .select(['id', 'volume_id', 'storage_rate', 'compute_rate', 'delete_volume', 'billing_carry'])
      .orderBy('id')
      .execute()
    expect(pods).toEqual([
      {
        id: 'aaaaaaaaaaaaaaaa',
        volume_id: 'aaaaaaaaaaaaaaaa',
        storage_rate: 0,
        compute_rate: 2_500_000,
        delete_volume: false,
        billing_carry: 1234,
      },
      {
        id: 'bbbbbbbbbbbbbbbb',
        volume_id: 'bbbbbbbbbbbbbbbb',
        storage_rate: 0,
        compute_rate: 2_500_000,
        delete_volume: false,
        billing_carry: 0,
      },
      // Already being deleted: it was asked to go with its volume, the only behaviour until now.
      {
        id: 'cccccccccccccccc',
        volume_id: 'cccccccccccccccc',
        storage_rate: 0,
        compute_rate: 2_500_000,
        delete_volume: true,
        billing_carry: 0,
      },
      // Removed before: no volume left to describe.
      {
        id: 'dddddddddddddddd',
        volume_id: null,
        storage_rate: 2_000_000,
        compute_rate: 2_500_000,
        delete_volume: false,
        billing_carry: 0,
      },
    ])

    // An hour later the two meters charge what the pod's one did: compute of the running pod and
    // storage of all three volumes, nothing twice.
    const hourLater = new Date(T0.getTime() + 3600_000)
    const podCharge = await db.transaction().execute((trx) => settle(trx, hourLater, null))
    const volumeCharge = await db.transaction().execute((trx) => settleVolumes(trx, hourLater, null))
    expect(podCharge.users).toEqual([{ userId: 'u1', charged: 2_500_000, balance: 97_500_000 }])
    expect(volumeCharge.users).toEqual([{ userId: 'u1', charged: 6_000_000, balance: 91_500_000 }])
    const ledger = await db.selectFrom('ledger').select(['amount', 'reason']).orderBy('id').execute()
    expect(ledger).toEqual([
      { amount: -2_500_000, reason: 'Usage of 3 pods' },
      { amount: -6_000_000, reason: 'Storage of 3 volumes' },
    ])
  })

  it('migrates back down, giving pods their storage rate again', { timeout: 180_000 }, async () => {
    handle = await openPglite({})
    const db = handle.db
    await migrateToLatest(db)
    await migrateTo(db, PREVIOUS)
    const tables = await sql<{
      n: number
    }>`select count(*)::int as n from pg_tables where tablename = 'volumes'`.execute(db)
    expect(tables.rows[0]!.n).toBe(0)
  })
})
