import type { Kysely, Transaction } from 'kysely'
import type { Database } from './schema.js'

/** Where queries run: the pool (each statement commits on its own) or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>

/**
 * An open transaction and the effects that must wait for it. Anything the outside world sees
 * (bus messages to browsers and other replicas, waking the reconciler) goes through `afterCommit`,
 * so a rolled-back transaction leaves no trace outside the database (ADR 0012).
 */
export interface Tx {
  readonly trx: Transaction<Database>
  /** Runs `effect` once the transaction has committed, in registration order; never after a rollback. */
  afterCommit(effect: () => void): void
}

/** The executor for `tx`, or `db` outside a transaction. */
export function executor(db: Kysely<Database>, tx: Tx | undefined): Executor {
  return tx ? tx.trx : db
}

/**
 * Runs `work` in one transaction, then its after-commit effects. An effect that throws does not
 * stop the others (the data has committed either way); the first such error is rethrown after all ran.
 */
export async function runInTransaction<T>(db: Kysely<Database>, work: (tx: Tx) => Promise<T>): Promise<T> {
  const effects: (() => void)[] = []
  const result = await db.transaction().execute((trx) => work({ trx, afterCommit: (e) => effects.push(e) }))
  let failure: { error: unknown } | null = null
  for (const effect of effects) {
    try {
      effect()
    } catch (error) {
      failure ??= { error }
    }
  }
  if (failure) throw failure.error
  return result
}

/** Opens transactions; what services receive instead of the database itself. */
export interface Transactions {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>
}

export function transactionsOn(db: Kysely<Database>): Transactions {
  return { run: (work) => runInTransaction(db, work) }
}
