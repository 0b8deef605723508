import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database, VolumeRow } from '../db/schema.js'
import { executor, type Tx } from '../db/transaction.js'
import { AppError, notFound } from '../errors.js'
import type { VolumeSpec } from '../runtime/pod-runtime.js'
import { type NegativeOwner, negativeSince, warnNegativeOwners } from './volumes-at-risk.repository.js'

/** A volume with the pod that mounts it (the newest undeleted one), as the API shows it. */
export interface VolumeWithPod extends VolumeRow {
  owner_email: string
  owner_role: 'client' | 'admin'
  pod_id: string | null
  pod_name: string | null
  pod_status: string | null
}

/** Pods that hold a volume: every pod not yet removed (a stopped pod keeps its volume attached). */
const HOLDING = sql<boolean>`p.deleted_at is null and p.status <> 'deleted'`

/**
 * The volumes table (ADR 0016): every read and write of the volume aggregate. Attachment is not
 * stored on the volume: a volume is attached while an undeleted pod references it (pods.volume_id).
 */
export class VolumesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private views(tx?: Tx) {
    return executor(this.db, tx)
      .selectFrom('volumes')
      .innerJoin('users as owner', 'owner.id', 'volumes.user_id')
      .selectAll('volumes')
      .select(['owner.email as owner_email', 'owner.role as owner_role'])
      .select((eb) => [
        eb
          .selectFrom('pods as p')
          .select('p.id')
          .whereRef('p.volume_id', '=', 'volumes.id')
          .where(HOLDING)
          .orderBy('p.created_at', 'desc')
          .limit(1)
          .as('pod_id'),
        eb
          .selectFrom('pods as p')
          .select('p.name')
          .whereRef('p.volume_id', '=', 'volumes.id')
          .where(HOLDING)
          .orderBy('p.created_at', 'desc')
          .limit(1)
          .as('pod_name'),
        eb
          .selectFrom('pods as p')
          .select('p.status')
          .whereRef('p.volume_id', '=', 'volumes.id')
          .where(HOLDING)
          .orderBy('p.created_at', 'desc')
          .limit(1)
          .as('pod_status'),
      ])
      .where('volumes.deleted_at', 'is', null)
  }

  view(volumeId: string, tx?: Tx): Promise<VolumeWithPod | undefined> {
    return this.views(tx).where('volumes.id', '=', volumeId).executeTakeFirst()
  }

  /** Owners whose balance has been negative since `cutoff` or earlier (volumes-at-risk.repository.ts). */
  negativeOwners(cutoff: Date): Promise<NegativeOwner[]> {
    return negativeSince(this.db, cutoff)
  }

  /** Warns each such owner once per negative episode; returns how many were warned. */
  warnNegativeOwners(now: Date, cutoff: Date): Promise<number> {
    return warnNegativeOwners(this.db, now, cutoff)
  }

  listOfMany(userIds: string[]): Promise<VolumeWithPod[]> {
    if (userIds.length === 0) return Promise.resolve([])
    return this.views()
      .where('volumes.user_id', 'in', userIds)
      .orderBy('volumes.created_at', 'desc')
      .execute()
  }

  listOf(userId: string): Promise<VolumeWithPod[]> {
    return this.views().where('volumes.user_id', '=', userId).orderBy('volumes.created_at', 'desc').execute()
  }

  listAll(limit: number, offset: number): Promise<VolumeWithPod[]> {
    return this.views()
      .orderBy('volumes.created_at', 'desc')
      .orderBy('volumes.id')
      .limit(limit)
      .offset(offset)
      .execute()
  }

  async countAll(): Promise<number> {
    const row = await this.db
      .selectFrom('volumes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  byId(volumeId: string, tx?: Tx): Promise<VolumeRow | undefined> {
    return executor(this.db, tx)
      .selectFrom('volumes')
      .selectAll()
      .where('id', '=', volumeId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
  }

  /** The row, locked until `tx` ends: attach, resize and delete check and write under it. */
  lock(tx: Tx, volumeId: string): Promise<VolumeRow | undefined> {
    return tx.trx
      .selectFrom('volumes')
      .selectAll()
      .where('id', '=', volumeId)
      .where('deleted_at', 'is', null)
      .forUpdate()
      .executeTakeFirst()
  }

  async nameTaken(tx: Tx, userId: string, name: string, exceptId: string | null): Promise<boolean> {
    let q = tx.trx
      .selectFrom('volumes')
      .select('id')
      .where('user_id', '=', userId)
      .where(sql`lower(name)`, '=', name.toLowerCase())
      .where('deleted_at', 'is', null)
    if (exceptId) q = q.where('id', '<>', exceptId)
    return (await q.executeTakeFirst()) !== undefined
  }

  async insert(
    tx: Tx,
    v: Pick<
      VolumeRow,
      'id' | 'user_id' | 'name' | 'size_gb' | 'mount_path' | 'runtime' | 'runtime_name' | 'rate'
    >,
    now: Date,
  ): Promise<void> {
    await tx.trx
      .insertInto('volumes')
      .values({
        ...v,
        status: 'ready',
        // The volume accrues from now, whether or not a pod mounts it.
        billed_until: now,
        created_at: now,
        updated_at: now,
      })
      .execute()
  }

  /** Pods (not yet removed) that mount the volume, newest first. */
  holders(
    tx: Tx,
    volumeId: string,
  ): Promise<{ id: string; name: string; status: string; compute_active: boolean; volume_path: string }[]> {
    return tx.trx
      .selectFrom('pods as p')
      .select(['p.id', 'p.name', 'p.status', 'p.compute_active', 'p.volume_path'])
      .where('p.volume_id', '=', volumeId)
      .where(HOLDING)
      .orderBy('p.created_at', 'desc')
      .execute()
  }

  async update(
    tx: Tx,
    volumeId: string,
    set: Partial<Pick<VolumeRow, 'name' | 'size_gb' | 'rate' | 'status'>>,
    now: Date,
  ): Promise<void> {
    await tx.trx
      .updateTable('volumes')
      .set({ ...set, updated_at: now })
      .where('id', '=', volumeId)
      .execute()
  }

  async setStatus(volumeId: string, status: VolumeRow['status'], now: Date): Promise<void> {
    await this.db
      .updateTable('volumes')
      .set({ status, updated_at: now })
      .where('id', '=', volumeId)
      .where('deleted_at', 'is', null)
      .execute()
  }

  /** Gone from the runtime: the row stays as a tombstone for the ledger; it no longer accrues. */
  async markDeleted(tx: Tx, volumeId: string, now: Date): Promise<void> {
    await tx.trx
      .updateTable('volumes')
      .set({ status: 'deleted', deleted_at: now, billed_until: null, updated_at: now })
      .where('id', '=', volumeId)
      .execute()
  }

  /** µ€ per hour all the user's volumes accrue (the money checks count them whether attached or not). */
  async burnOf(trx: Transaction<Database>, userId: string): Promise<number> {
    const row = await trx
      .selectFrom('volumes')
      .select(sql<number>`coalesce(sum(rate), 0)::bigint`.as('burn'))
      .where('user_id', '=', userId)
      .where('billed_until', 'is not', null)
      .executeTakeFirstOrThrow()
    return Number(row.burn)
  }

  /** µ€ per hour of everything else the user's pods accrue now or once started (pod starts and volume creates). */
  async podBurnOf(trx: Transaction<Database>, userId: string): Promise<number> {
    const row = await trx
      .selectFrom('pods')
      .select(
        sql<number>`coalesce(sum(storage_rate + case when desired_state = 'running' and status not in ('error', 'stopped') then compute_rate else 0 end), 0)::bigint`.as(
          'burn',
        ),
      )
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .where('desired_state', '<>', 'deleted')
      .executeTakeFirstOrThrow()
    return Number(row.burn)
  }

  async userByEmail(email: string): Promise<{ id: string } | undefined> {
    return this.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email.trim().toLowerCase())
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
  }

  /** The owner's row, locked (clients only: their money checks queue here, as pod starts do). */
  async lockOwner(
    tx: Tx,
    userId: string,
  ): Promise<{ id: string; role: 'client' | 'admin'; balance: number }> {
    const user = await tx.trx
      .selectFrom('users')
      .select(['id', 'role', 'balance', 'suspended_at', 'deleted_at'])
      .where('id', '=', userId)
      .forUpdate()
      .executeTakeFirst()
    if (!user || user.deleted_at) throw notFound('User not found')
    if (user.suspended_at) throw new AppError('ACCOUNT_SUSPENDED', 403, 'The account is suspended')
    return user
  }

  /** Runtime names of every volume not yet deleted (what the orphan scan must leave alone). */
  async knownNames(): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('volumes')
      .select('runtime_name')
      .where('deleted_at', 'is', null)
      .execute()
    return new Set(rows.map((r) => r.runtime_name))
  }
}

export function volumeSpec(v: Pick<VolumeRow, 'id' | 'runtime_name' | 'user_id' | 'size_gb'>): VolumeSpec {
  return { volumeId: v.id, name: v.runtime_name, userId: v.user_id, sizeGb: v.size_gb }
}
