import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Clock } from '../lib/clock.js'

/**
 * Who did what, for admins and incident review. Only state-changing actions are recorded: reads
 * are frequent and would grow the table without bound. Never stores secrets.
 */
export class AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async record(
    actorId: string | null,
    action: string,
    targetType: string | null,
    targetId: string | null,
    details: Record<string, unknown>,
    trx?: Transaction<Database>,
  ): Promise<void> {
    await (trx ?? this.db)
      .insertInto('audit_log')
      .values({
        at: this.clock.now(),
        actor_id: actorId,
        action,
        target_type: targetType,
        target_id: targetId,
        details: JSON.stringify(details),
      })
      .execute()
  }
}
