import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'

/**
 * Pod activity (the basis for idle auto-stop): every proxied request and WebSocket frame marks its
 * pod here, in memory; a timer writes the latest time of every active pod in one statement. The
 * request path never waits for the database, and a busy pod costs one row update per flush.
 * Replicas write independently; the update never moves `last_active_at` backwards.
 */
export class ActivityRecorder {
  private pending = new Map<string, { at: number; source: 'http' | 'websocket' }>()
  private readonly timer: NodeJS.Timeout
  private flushing: Promise<void> | null = null

  constructor(private readonly deps: { db: Kysely<Database>; clock: Clock; log: Logger; flushMs: number }) {
    this.timer = setInterval(() => void this.flush(), deps.flushMs)
    this.timer.unref()
  }

  /** Marks traffic to a pod; the source ("http", "websocket") is what its activity shows (ADR 0018). */
  touch(podId: string, source: 'http' | 'websocket' = 'http'): void {
    this.pending.set(podId, { at: this.deps.clock.now().getTime(), source })
  }

  /** Writes what was recorded so far (also called on shutdown). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = null
    })
    return this.flushing
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flushing
    await this.flush()
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = this.pending
    this.pending = new Map()
    const rows = [...batch].map(
      ([podId, mark]) => sql`(${podId}, ${new Date(mark.at).toISOString()}::timestamptz, ${mark.source})`,
    )
    try {
      await sql`
        update pods set last_active_at = v.at, last_activity_source = v.source, last_activity_detail = null
        from (values ${sql.join(rows)}) as v(id, at, source)
        where pods.id = v.id and (pods.last_active_at is null or pods.last_active_at < v.at)`.execute(
        this.deps.db,
      )
    } catch (error) {
      // Keep the marks for the next attempt (a newer mark for the same pod wins).
      for (const [podId, mark] of batch)
        if ((this.pending.get(podId)?.at ?? 0) < mark.at) this.pending.set(podId, mark)
      this.deps.log.warn({ err: error, pods: batch.size }, 'could not record pod activity; will retry')
    }
  }
}
