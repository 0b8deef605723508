import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * Users whose balance has stayed negative since a point in the ledger (ADR 0016, issue 11): every
 * balance change writes a ledger entry with the balance after it, so "negative since" is the time of
 * the first entry after the last one that left the balance at or above zero. Nothing here deletes.
 */

export interface NegativeOwner {
  userId: string
  email: string
  /** micro-euros, < 0 */
  balance: number
  negativeSince: Date
}

/** One query: owners negative since at least `cutoff`, oldest episode first. */
export async function negativeSince(db: Kysely<Database>, cutoff: Date): Promise<NegativeOwner[]> {
  const result = await sql<{
    user_id: string
    email: string
    balance: number | string
    since: Date | string
  }>`
    select user_id, email, balance, since from (
      select u.id as user_id, u.email, u.balance,
        (select min(l.created_at) from ledger l
          where l.user_id = u.id
            and l.id > coalesce(
              (select max(l2.id) from ledger l2 where l2.user_id = u.id and l2.balance_after >= 0), 0)
        ) as since
      from users u
      where u.balance < 0
    ) negative
    where since is not null and since <= ${cutoff}
    order by since, user_id
  `.execute(db)
  return result.rows.map((r) => ({
    userId: r.user_id,
    email: r.email,
    balance: Number(r.balance),
    negativeSince: new Date(r.since),
  }))
}

export const VOLUMES_AT_RISK_KIND = 'volumesAtRisk'

/**
 * Warns each owner once per negative episode: a notification unless one was already written since
 * the episode began. Returns how many were written.
 */
export async function warnNegativeOwners(db: Kysely<Database>, now: Date, cutoff: Date): Promise<number> {
  const owners = await negativeSince(db, cutoff)
  let written = 0
  for (const owner of owners) {
    const inserted = await sql`
      insert into notifications (user_id, pod_id, kind, message, created_at)
      select ${owner.userId}, null, ${VOLUMES_AT_RISK_KIND}, ${WARNING}, ${now}
      where not exists (
        select 1 from notifications
        where user_id = ${owner.userId} and kind = ${VOLUMES_AT_RISK_KIND} and created_at >= ${owner.negativeSince}
      )
    `.execute(db)
    written += Number(inserted.numAffectedRows ?? 0)
  }
  return written
}

const WARNING =
  'Your balance has been negative for a while: your volumes are kept (never deleted automatically), but compute is stopped. Add credit to use them again.'
