import type { Notification } from '@neuropod/contracts'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

/** The user's in-app notifications (written by the idle evaluator in its own statements). */
export class NotificationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async recent(userId: string, limit: number): Promise<Notification[]> {
    const rows = await this.db
      .selectFrom('notifications')
      .select(['id', 'kind', 'pod_id', 'message', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      id: Number(r.id),
      kind: kindOf(r.kind),
      podId: r.pod_id,
      message: r.message,
      createdAt: new Date(r.created_at).toISOString(),
    }))
  }
}

function kindOf(kind: string): Notification['kind'] {
  if (kind === 'idleWarning' || kind === 'volumesAtRisk') return kind
  return 'autoStopped'
}
