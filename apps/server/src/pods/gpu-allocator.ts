import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { GpuDeviceInfo, GpuStock } from '../runtime/pod-runtime.js'

const ALLOCATION_LOCK = 7_001_002_004

export type Allocation =
  /** `leftQueue`: the pod had waited, so the pods behind it moved up */
  | { ok: true; deviceIds: string[]; leftQueue: boolean }
  /** Waits: `position` 1 is next in the queue of its GPU type */
  | { ok: false; free: number; total: number; position: number }

/** What placement does with a pod's devices, decided from the inventory and the allocation table. */
export type AllocationPlan =
  /** The pod already holds exactly what it needs */
  | { kind: 'keep'; deviceIds: string[] }
  /** Take these free devices (after dropping a stale or partial allocation of its own) */
  | { kind: 'allocate'; deviceIds: string[] }
  /** Not enough free devices of the type: wait (any stale allocation of its own is dropped) */
  | { kind: 'wait'; free: number; total: number }

/** Pods queued before this one for the same GPU type: how many, and how many devices they need. */
export interface QueueAhead {
  pods: number
  gpus: number
}

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
  ahead: QueueAhead = { pods: 0, gpus: 0 },
): AllocationPlan {
  const ofType = inventory.filter((d) => d.gpuType === gpuType)
  if (mine.length === count && mine.every((m) => ofType.some((d) => d.deviceId === m)))
    return { kind: 'keep', deviceIds: mine }
  const free = ofType.filter((d) => !others.has(d.deviceId))
  // Oldest first: the devices pods queued earlier need are theirs, even while they are not yet
  // placed (a pod that asks right after a release must not overtake them).
  if (free.length - ahead.gpus < count) return { kind: 'wait', free: free.length, total: ofType.length }
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
  const { queuedAt, waited } = await joinQueue(trx, podId, now)
  const ahead = await queuedAhead(trx, podId, gpuType, queuedAt)
  const plan = planAllocation(inventory, gpuType, count, mine, others, ahead)
  if (plan.kind === 'keep') return { ok: true, deviceIds: plan.deviceIds, leftQueue: false }
  // A stale or partial allocation (inventory changed, count changed): start over.
  if (mine.length > 0) await trx.deleteFrom('gpu_allocations').where('pod_id', '=', podId).execute()
  if (plan.kind === 'wait') return { ok: false, free: plan.free, total: plan.total, position: ahead.pods + 1 }
  await trx.updateTable('pods').set({ queued_at: null }).where('id', '=', podId).execute()
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
  return { ok: true, deviceIds: plan.deviceIds, leftQueue: waited }
}

/** The pod's place in the queue: when it first waited (now, if this is its first try). */
async function joinQueue(
  trx: Transaction<Database>,
  podId: string,
  now: Date,
): Promise<{ queuedAt: Date; waited: boolean }> {
  const before = await trx.selectFrom('pods').select('queued_at').where('id', '=', podId).executeTakeFirst()
  if (before?.queued_at) return { queuedAt: before.queued_at, waited: true }
  await trx.updateTable('pods').set({ queued_at: now }).where('id', '=', podId).execute()
  return { queuedAt: now, waited: false }
}

/** Pods of the same GPU type still waiting that were queued before this one (ties: by id). */
async function queuedAhead(
  trx: Transaction<Database>,
  podId: string,
  gpuType: string,
  queuedAt: Date,
): Promise<QueueAhead> {
  const row = await trx
    .selectFrom('pods')
    .select([sql<number>`count(*)::int`.as('pods'), sql<number>`coalesce(sum(gpu_count), 0)::int`.as('gpus')])
    .where('gpu', '=', gpuType)
    .where('status', '=', 'pending')
    .where('desired_state', '=', 'running')
    .where('id', '<>', podId)
    .where((eb) =>
      eb.or([eb('queued_at', '<', queuedAt), eb.and([eb('queued_at', '=', queuedAt), eb('id', '<', podId)])]),
    )
    .executeTakeFirst()
  return { pods: row?.pods ?? 0, gpus: row?.gpus ?? 0 }
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
