import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { GpuDeviceInfo, GpuStock } from '../runtime/pod-runtime.js'

const ALLOCATION_LOCK = 7_001_002_004

export type Allocation = { ok: true; deviceIds: string[] } | { ok: false; free: number; total: number }

/** What placement does with a pod's devices, decided from the inventory and the allocation table. */
export type AllocationPlan =
  /** The pod already holds exactly what it needs */
  | { kind: 'keep'; deviceIds: string[] }
  /** Take these free devices (after dropping a stale or partial allocation of its own) */
  | { kind: 'allocate'; deviceIds: string[] }
  /** Not enough free devices of the type: wait (any stale allocation of its own is dropped) */
  | { kind: 'wait'; free: number; total: number }

/**
 * Chooses devices for a pod: keeps a complete allocation, else takes the first free devices of the
 * type in inventory order. `mine` are the pod's current devices, `others` every other pod's.
 */
export function planAllocation(
  inventory: GpuDeviceInfo[],
  gpuType: string,
  count: number,
  mine: string[],
  others: Set<string>,
): AllocationPlan {
  const ofType = inventory.filter((d) => d.gpuType === gpuType)
  if (mine.length === count && mine.every((m) => ofType.some((d) => d.deviceId === m)))
    return { kind: 'keep', deviceIds: mine }
  const free = ofType.filter((d) => !others.has(d.deviceId))
  if (free.length < count) return { kind: 'wait', free: free.length, total: ofType.length }
  return { kind: 'allocate', deviceIds: free.slice(0, count).map((d) => d.deviceId) }
}

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
  const all = await trx.selectFrom('gpu_allocations').select(['device_id', 'pod_id']).execute()
  const mine = all.filter((a) => a.pod_id === podId).map((a) => a.device_id)
  const others = new Set(all.filter((a) => a.pod_id !== podId).map((a) => a.device_id))
  const plan = planAllocation(inventory, gpuType, count, mine, others)
  if (plan.kind === 'keep') return { ok: true, deviceIds: plan.deviceIds }
  // A stale or partial allocation (inventory changed, count changed): start over.
  if (mine.length > 0) await trx.deleteFrom('gpu_allocations').where('pod_id', '=', podId).execute()
  if (plan.kind === 'wait') return { ok: false, free: plan.free, total: plan.total }
  await trx
    .insertInto('gpu_allocations')
    .values(
      plan.deviceIds.map((deviceId) => ({
        device_id: deviceId,
        gpu_type: gpuType,
        pod_id: podId,
        allocated_at: now,
      })),
    )
    .execute()
  return { ok: true, deviceIds: plan.deviceIds }
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
