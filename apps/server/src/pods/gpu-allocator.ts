import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { GpuDeviceInfo, GpuStock } from '../runtime/pod-runtime.js'

const ALLOCATION_LOCK = 7_001_002_004

export type Allocation = { ok: true; deviceIds: string[] } | { ok: false; free: number; total: number }

/**
 * Places a pod on specific GPU devices (docker runtime). The allocation table's primary key is the
 * device id, so a device can never belong to two pods; a transaction-scoped advisory lock makes
 * the free-device scan and the insert one step across replicas.
 */
export async function allocateGpus(
  trx: Transaction<Database>,
  podId: string,
  gpuType: string,
  count: number,
  inventory: GpuDeviceInfo[],
  now: Date,
): Promise<Allocation> {
  await sql`select pg_advisory_xact_lock(${ALLOCATION_LOCK})`.execute(trx)
  const mine = await trx
    .selectFrom('gpu_allocations')
    .select('device_id')
    .where('pod_id', '=', podId)
    .execute()
  const ofType = inventory.filter((d) => d.gpuType === gpuType)
  if (mine.length === count && mine.every((m) => ofType.some((d) => d.deviceId === m.device_id))) {
    return { ok: true, deviceIds: mine.map((m) => m.device_id) }
  }
  // A stale or partial allocation (inventory changed, count changed): start over.
  await trx.deleteFrom('gpu_allocations').where('pod_id', '=', podId).execute()
  const taken = new Set(
    (await trx.selectFrom('gpu_allocations').select('device_id').execute()).map((r) => r.device_id),
  )
  const free = ofType.filter((d) => !taken.has(d.deviceId))
  if (free.length < count) return { ok: false, free: free.length, total: ofType.length }
  const chosen = free.slice(0, count).map((d) => d.deviceId)
  await trx
    .insertInto('gpu_allocations')
    .values(
      chosen.map((deviceId) => ({
        device_id: deviceId,
        gpu_type: gpuType,
        pod_id: podId,
        allocated_at: now,
      })),
    )
    .execute()
  return { ok: true, deviceIds: chosen }
}

export async function releaseGpus(trx: Transaction<Database>, podId: string): Promise<number> {
  const rows = await trx
    .deleteFrom('gpu_allocations')
    .where('pod_id', '=', podId)
    .returning('device_id')
    .execute()
  return rows.length
}

/**
 * Free and total devices per GPU type when the platform places pods itself (docker runtime): the
 * inventory minus the allocation table, the same truth placement uses.
 */
export async function stockFromAllocations(
  db: Kysely<Database>,
  inventory: GpuDeviceInfo[],
): Promise<GpuStock[]> {
  const taken = new Set(
    (await db.selectFrom('gpu_allocations').select('device_id').execute()).map((r) => r.device_id),
  )
  const byType = new Map<string, GpuStock>()
  for (const d of inventory) {
    const s = byType.get(d.gpuType) ?? { gpuType: d.gpuType, total: 0, free: 0, source: 'gpu-inventory' }
    s.total++
    if (!taken.has(d.deviceId)) s.free++
    byType.set(d.gpuType, s)
  }
  return [...byType.values()]
}
