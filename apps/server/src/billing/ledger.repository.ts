import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database, LedgerRow } from '../db/schema.js'

/** The ledger: every change of a balance, and the pages of it users and admins read. */

export type LedgerEntryType = 'credit' | 'usage' | 'refund' | 'adjustment'

export interface BalanceChange {
  userId: string
  /** Signed micro-euros */
  amount: number
  type: LedgerEntryType
  reason: string
  actorId: string | null
  podId?: string | null
  periodStart?: Date | null
  periodEnd?: Date | null
  at: Date
}

/**
 * The only way a balance changes outside the meter: the user row and its ledger entry are written
 * in the caller's transaction, so the ledger always sums to the balance.
 */
export async function changeBalance(
  trx: Transaction<Database>,
  change: BalanceChange,
): Promise<{ balance: number; entryId: number }> {
  const user = await trx
    .updateTable('users')
    .set({ balance: sql<number>`balance + ${change.amount}`, updated_at: change.at })
    .where('id', '=', change.userId)
    .returning(['balance'])
    .executeTakeFirstOrThrow()
  const entry = await trx
    .insertInto('ledger')
    .values({
      user_id: change.userId,
      type: change.type,
      amount: change.amount,
      balance_after: user.balance,
      reason: change.reason,
      actor_id: change.actorId,
      pod_id: change.podId ?? null,
      period_start: change.periodStart ?? null,
      period_end: change.periodEnd ?? null,
      created_at: change.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { balance: user.balance, entryId: entry.id }
}

export interface LedgerFilters {
  type?: LedgerEntryType
  podId?: string
  page: number
  limit: number
}

export type LedgerPageRow = LedgerRow & { actor_email: string | null; pod_name: string | null }

/** One page of a user's ledger, newest first, with who made each change and the pod it was for. */
export async function ledgerPage(
  db: Kysely<Database>,
  userId: string,
  filters: LedgerFilters,
): Promise<{ total: number; rows: LedgerPageRow[] }> {
  let q = db.selectFrom('ledger').where('ledger.user_id', '=', userId)
  if (filters.type) q = q.where('ledger.type', '=', filters.type)
  if (filters.podId) q = q.where('ledger.pod_id', '=', filters.podId)
  const [{ total }, rows] = await Promise.all([
    q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    q
      .leftJoin('users as actor', 'actor.id', 'ledger.actor_id')
      .leftJoin('pods', 'pods.id', 'ledger.pod_id')
      .selectAll('ledger')
      .select(['actor.email as actor_email', 'pods.name as pod_name'])
      .orderBy('ledger.id', 'desc')
      .limit(filters.limit)
      .offset((filters.page - 1) * filters.limit)
      .execute(),
  ])
  return { total, rows }
}
