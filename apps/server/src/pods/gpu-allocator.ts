import { sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { GpuDeviceInfo } from '../runtime/pod-runtime.js'

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
