import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

const PURGE_INTERVAL_MS = 60_000

/**
 * Makes sign-in tickets one-time across replicas: redeeming inserts the ticket id, and a second
 * insert of the same id (a replay, on this replica or another) finds it taken. Expired ids are
 * purged now and then; a ticket past its expiry is refused before it gets here.
 */
export class TicketStore {
  private lastPurge = 0

  constructor(private readonly db: Kysely<Database>) {}

  /** True the first time a ticket id is redeemed, false ever after (until it has expired). */
  async redeem(id: string, expiresAt: number, nowMs: number): Promise<boolean> {
    const row = await this.db
      .insertInto('proxy_used_tickets')
      .values({ id, expires_at: new Date(expiresAt) })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (nowMs - this.lastPurge > PURGE_INTERVAL_MS) {
      this.lastPurge = nowMs
      await this.db.deleteFrom('proxy_used_tickets').where('expires_at', '<', new Date(nowMs)).execute()
    }
    return row !== undefined
  }
}
