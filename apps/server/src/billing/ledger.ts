import type { Transaction } from 'kysely'
import { sql } from 'kysely'
import type { Database } from '../db/schema.js'

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
