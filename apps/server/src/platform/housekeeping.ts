import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'

const DAY_MS = 86_400_000
/** Ended sessions stay this long (for "who was signed in when" questions), then go. */
export const SESSION_RETENTION_DAYS = 30

/** Leader-only chores that keep tables from growing without bound. */
export class Housekeeping {
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(intervalMs = 3_600_000): void {
    this.stop()
    this.timer = setInterval(() => {
      this.sweep().catch((error) => this.log.warn({ err: error }, 'housekeeping failed'))
    }, intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  async sweep(): Promise<{ sessions: number }> {
    const cutoff = new Date(this.clock.now().getTime() - SESSION_RETENTION_DAYS * DAY_MS)
    const sessions = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
      .executeTakeFirst()
    return { sessions: Number(sessions.numDeletedRows) }
  }
}
