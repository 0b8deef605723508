import { type Kysely, sql } from 'kysely'
import type {
  Database,
  DesiredStateValue,
  HttpServiceRecord,
  PodRow,
  PodStatusValue,
  TcpServiceRecord,
} from '../db/schema.js'
import { executor, type Tx } from '../db/transaction.js'

/** Statuses whose truth lives in the runtime. */
const LIVE: PodStatusValue[] = ['pending', 'creating', 'running', 'stopping', 'deleting']

export type PodSummary = Pick<PodRow, 'id' | 'status' | 'desired_state' | 'compute_active'>

/** Which rows a conditional update may touch: a status among `statuses` (null: any) and, if set, `desired`. */
export interface PodGuard {
  statuses: PodStatusValue[] | null
  desired?: DesiredStateValue
}

/**
 * The pods table: every read and write of the pod aggregate (its services, events and GPU
 * placement live in their own tables beside it). Lifecycle writes are compare-and-set, so they are
 * safe alongside a reconcile or an API call in flight.
 */
export class PodsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  byId(podId: string, tx?: Tx): Promise<PodRow | undefined> {
    return executor(this.db, tx).selectFrom('pods').selectAll().where('id', '=', podId).executeTakeFirst()
  }

  /** The row, locked until `tx` ends: the check-then-write steps of a lifecycle change run on it. */
  lock(tx: Tx, podId: string): Promise<PodRow | undefined> {
    return tx.trx.selectFrom('pods').selectAll().where('id', '=', podId).forUpdate().executeTakeFirst()
  }

  /**
   * Asks every pod of `userId` that wants to run to stop, keeping its volume (suspension, an
   * exhausted balance). `reason` stays on the pod once it has stopped. Returns the pods it changed.
   */
  async stopAllOf(userId: string, reason: string, now: Date, tx?: Tx): Promise<string[]> {
    const rows = await executor(this.db, tx)
      .updateTable('pods')
      .set({ desired_state: 'stopped', status_reason: reason, updated_at: now })
      .where('user_id', '=', userId)
      .where('desired_state', '=', 'running')
      .where('deleted_at', 'is', null)
      .returning('id')
      .execute()
    return rows.map((r) => r.id)
  }

  /** Sets status and reason only while the pod matches `guard` (never a deleted pod). True if it did. */
  async setIf(
    podId: string,
    guard: PodGuard,
    set: Partial<Pick<PodRow, 'status' | 'status_reason'>>,
    now: Date,
  ): Promise<boolean> {
    let q = this.db
      .updateTable('pods')
      .set({ ...set, updated_at: now })
      .where('id', '=', podId)
      .where('status', '<>', 'deleted')
    if (guard.statuses) q = q.where('status', 'in', guard.statuses)
    if (guard.desired) q = q.where('desired_state', '=', guard.desired)
    const result = await q.executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async markStopped(tx: Tx, current: PodRow, now: Date): Promise<void> {
    await tx.trx
      .updateTable('pods')
      .set({
        status: 'stopped',
        // Keep the reason when the meter stopped the pod or it had failed, so the user sees why.
        status_reason: current.status_reason?.startsWith('Stopped:') ? current.status_reason : null,
        compute_active: false,
        stopped_at: now,
        http_services: JSON.stringify(
          current.http_services.map((s) => ({ ...s, status: 'stopped', statusReason: null })),
        ),
        tcp_services: JSON.stringify(
          current.tcp_services.map((s) => ({ ...s, status: 'stopped', host: null, hostPort: null })),
        ),
        updated_at: now,
      })
      .where('id', '=', current.id)
      .execute()
  }

  /** The container and volume are gone: the row stays as a tombstone for the ledger and usage. */
  async markRemoved(tx: Tx, podId: string, now: Date): Promise<void> {
    await tx.trx
      .updateTable('pods')
      .set({
        status: 'deleted',
        deleted_at: now,
        billed_until: null,
        compute_active: false,
        jupyter_token_sealed: null,
        updated_at: now,
      })
      .where('id', '=', podId)
      .execute()
  }

  async markFailed(tx: Tx, pod: PodRow, reason: string, exitCode: number | null, now: Date): Promise<void> {
    await tx.trx
      .updateTable('pods')
      .set({
        status: 'error',
        status_reason: reason.slice(0, 500),
        exit_code: exitCode,
        compute_active: false,
        stopped_at: now,
        http_services: JSON.stringify(
          pod.http_services.map((s) => ({
            ...s,
            status: 'error',
            statusReason: 'The container is not running',
          })),
        ),
        tcp_services: JSON.stringify(
          pod.tcp_services.map((s) => ({ ...s, status: 'error', host: null, hostPort: null })),
        ),
        updated_at: now,
      })
      .where('id', '=', pod.id)
      .execute()
  }

  /** The container runs: compute accrues from `startedAt`, HTTP services wait for their probes. */
  async markComputeStarted(
    tx: Tx,
    pod: PodRow,
    tcp: TcpServiceRecord[],
    startedAt: Date,
    now: Date,
  ): Promise<void> {
    await tx.trx
      .updateTable('pods')
      .set({
        status: 'creating',
        status_reason: 'Waiting for the HTTP services to answer',
        compute_active: true,
        started_at: startedAt,
        stopped_at: null,
        exit_code: null,
        http_services: JSON.stringify(
          pod.http_services.map((s) => ({ ...s, status: 'creating', statusReason: null })),
        ),
        tcp_services: JSON.stringify(tcp),
        updated_at: now,
      })
      .where('id', '=', pod.id)
      .execute()
  }

  /** Back to pending (to be placed again) if the pod still wants to run and was creating or running. */
  async resetToPending(tx: Tx, podId: string, reason: string, now: Date): Promise<void> {
    await tx.trx
      .updateTable('pods')
      .set({ status: 'pending', status_reason: reason, compute_active: false, updated_at: now })
      .where('id', '=', podId)
      .where('desired_state', '=', 'running')
      .where('status', 'in', ['creating', 'running'])
      .execute()
  }

  async setTcpServices(podId: string, tcp: TcpServiceRecord[]): Promise<void> {
    await this.db
      .updateTable('pods')
      .set({ tcp_services: JSON.stringify(tcp) })
      .where('id', '=', podId)
      .execute()
  }

  /** Readiness of a running container's HTTP services; false if the pod stopped meanwhile. */
  async setReadiness(
    tx: Tx,
    podId: string,
    state: { status: PodStatusValue; reason: string | null; services: HttpServiceRecord[] },
    now: Date,
  ): Promise<boolean> {
    const result = await tx.trx
      .updateTable('pods')
      .set({
        status: state.status,
        status_reason: state.reason,
        http_services: JSON.stringify(state.services),
        updated_at: now,
      })
      .where('id', '=', podId)
      .where('desired_state', '=', 'running')
      .where('compute_active', '=', true)
      .where('status', 'in', ['creating', 'running'])
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /** How many pods not yet deleted are in each status: all of them, or those of `userId`. */
  countByStatus(userId: string | null): Promise<{ status: string; n: number }[]> {
    let q = this.db
      .selectFrom('pods')
      .select(['status', sql<number>`count(*)::int`.as('n')])
      .where('deleted_at', 'is', null)
    if (userId !== null) q = q.where('user_id', '=', userId)
    return q.groupBy('status').execute()
  }

  /** Pods that want to run and wait for a GPU, longest waiting first. */
  async waitingForGpu(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('pods')
      .select('id')
      .where('status', '=', 'pending')
      .where('desired_state', '=', 'running')
      .where('gpu', '<>', 'cpu')
      // The queue's order (a reason update changes updated_at, so that is no order at all).
      .orderBy(sql`queued_at asc nulls last`)
      .orderBy('id')
      .execute()
    return rows.map((r) => r.id)
  }

  /** Pods whose state the runtime decides (their views carry its reachability). */
  async liveIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('pods').select('id').where('status', 'in', LIVE).execute()
    return rows.map((r) => r.id)
  }

  /** Every pod not yet deleted, as much as a resync compares with the runtime. */
  undeleted(): Promise<PodSummary[]> {
    return this.db
      .selectFrom('pods')
      .select(['id', 'status', 'desired_state', 'compute_active'])
      .where('deleted_at', 'is', null)
      .execute()
  }
}
