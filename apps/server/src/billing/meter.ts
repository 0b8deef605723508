import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { type Clock, monotonicMs } from '../lib/clock.js'
import { formatEuros, microsToEuros } from '../lib/money.js'
import type { PodsRepository } from '../pods/pods.repository.js'
import type { Bus } from '../realtime/bus.js'
import { balanceUpdate } from './balance-events.js'
import { type Settlement, settle, TICK_BATCH } from './settlement.js'
import { settleVolumes, VOLUME_TICK_BATCH } from './volume-settlement.js'

export interface MeterDeps {
  db: Kysely<Database>
  podRows: PodsRepository
  clock: Clock
  bus: Bus
  /** Pods the meter stopped because their owner ran out of money: the reconciler must act. */
  onAutoStop: (podIds: string[]) => void
  onError: (error: unknown) => void
  /** Observes each tick (for /metrics) */
  onTick?: (result: TickResult) => void
  /** After each tick's settlement (warning owners whose volumes are at risk) */
  afterSettle?: (now: Date) => Promise<unknown>
}

export interface TickResult {
  pods: number
  charged: number
  users: number
  autoStopped: number
  durationMs: number
}

/** The periodic tick that settles everyone, low-balance alerts, and auto-stop at zero (see settlement.ts). */
export class Meter {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null

  constructor(private readonly deps: MeterDeps) {}

  start(intervalSeconds: number): void {
    this.stop()
    this.timer = setInterval(() => void this.tickSafely(), intervalSeconds * 1000)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Waits for a tick in progress (graceful shutdown). */
  async drain(): Promise<void> {
    await this.running?.catch(() => {})
  }

  private async tickSafely(): Promise<void> {
    if (this.running) return // never overlap ticks
    try {
      await this.tick()
    } catch (error) {
      this.deps.onError(error)
    }
  }

  /** Settles every accruing pod up to now, then applies low-balance alerts and auto-stop. */
  async tick(now = this.deps.clock.now()): Promise<TickResult> {
    const work = this.runTick(now)
    this.running = work
    try {
      return await work
    } finally {
      this.running = null
    }
  }

  private async runTick(now: Date): Promise<TickResult> {
    const started = monotonicMs()
    let pods = 0
    let charged = 0
    const balances = new Map<string, Settlement>()
    // Later settlements carry the newer balance; charges add up.
    const add = (users: Settlement[]) => {
      for (const s of users) {
        charged += s.charged
        const prev = balances.get(s.userId)
        balances.set(s.userId, {
          userId: s.userId,
          charged: (prev?.charged ?? 0) + s.charged,
          balance: s.balance,
        })
      }
    }
    for (;;) {
      const batch = await this.deps.db.transaction().execute((trx) => settle(trx, now, null))
      pods += batch.pods
      add(batch.users)
      if (batch.pods < TICK_BATCH) break
    }
    // Volumes accrue on their own, attached or not (ADR 0016).
    for (;;) {
      const batch = await this.deps.db.transaction().execute((trx) => settleVolumes(trx, now, null))
      add(batch.users)
      if (batch.volumes < VOLUME_TICK_BATCH) break
    }
    for (const s of balances.values())
      this.publishBalance(s.userId, s.balance, -s.charged, 'Usage', null, now)
    const autoStopped = await this.evaluateBalances([...balances.keys()], now)
    await this.deps.afterSettle?.(now)
    const result = { pods, charged, users: balances.size, autoStopped, durationMs: monotonicMs() - started }
    this.deps.onTick?.(result)
    return result
  }

  publishBalance(
    userId: string,
    balance: number,
    change: number,
    reason: string,
    updatedBy: string | null,
    now: Date,
  ): void {
    this.deps.bus.publish(balanceUpdate(userId, balance, change, reason, updatedBy, now))
  }

  /**
   * Low balance: alert once when the balance covers less than the threshold at the current burn
   * rate, and again at zero. At zero, every pod meant to run is stopped (volumes and data kept).
   */
  async evaluateBalances(userIds: string[], now = this.deps.clock.now()): Promise<number> {
    if (userIds.length === 0) return 0
    const rows = await this.deps.db
      .selectFrom('users')
      .select((eb) => [
        'users.id',
        'users.balance',
        'users.balance_alert',
        'users.email',
        eb
          .selectFrom('pods')
          .select(
            sql<number>`coalesce(sum(storage_rate + case when compute_active then compute_rate else 0 end), 0)::bigint`.as(
              'burn',
            ),
          )
          .whereRef('pods.user_id', '=', 'users.id')
          .where('pods.deleted_at', 'is', null)
          .where('pods.billed_until', 'is not', null)
          .as('burn'),
        eb
          .selectFrom('volumes')
          .select(sql<number>`coalesce(sum(rate), 0)::bigint`.as('volume_burn'))
          .whereRef('volumes.user_id', '=', 'users.id')
          .where('volumes.billed_until', 'is not', null)
          .as('volume_burn'),
      ])
      .where('users.id', 'in', userIds)
      .where('users.role', '=', 'client')
      .execute()
    const settings = await this.deps.db
      .selectFrom('pricing_settings')
      .select('low_balance_threshold_minutes')
      .executeTakeFirst()
    const thresholdHours = (settings?.low_balance_threshold_minutes ?? 60) / 60
    let stopped = 0
    for (const user of rows) {
      const burn = Number(user.burn ?? 0) + Number(user.volume_burn ?? 0)
      const hoursLeft = burn > 0 ? user.balance / burn : null
      let level: 'none' | 'low' | 'empty' = 'none'
      if (user.balance <= 0) level = 'empty'
      else if (hoursLeft !== null && hoursLeft < thresholdHours) level = 'low'

      if (level === 'empty') {
        const pods = await this.deps.podRows.stopAllOf(
          user.id,
          'Stopped: balance exhausted (your volume and data are kept)',
          now,
        )
        if (pods.length > 0) {
          stopped += pods.length
          this.deps.onAutoStop(pods)
          this.deps.bus.publish({
            kind: 'admins',
            event: 'adminNotification',
            payload: {
              type: 'adminNotification',
              kind: 'balanceExhausted',
              message: `${user.email} ran out of balance; ${pods.length} pod(s) stopped`,
              userId: user.id,
              timestamp: now.toISOString(),
            },
          })
        }
      }
      if (level === user.balance_alert || (level === 'none' && user.balance_alert === 'none')) continue
      // Escalations alert; recoveries just reset the state so the next drop alerts again.
      const escalated = level !== 'none' && (user.balance_alert === 'none' || level === 'empty')
      const updated = await this.deps.db
        .updateTable('users')
        .set({ balance_alert: level })
        .where('id', '=', user.id)
        .where('balance_alert', '=', user.balance_alert)
        .returning('id')
        .executeTakeFirst()
      if (!updated || level === 'none' || !escalated) continue
      this.deps.bus.publish({
        kind: 'user',
        userId: user.id,
        event: 'lowBalanceAlert',
        payload: {
          type: 'lowBalanceAlert',
          currentBalance: microsToEuros(user.balance),
          hoursLeft: hoursLeft === null ? null : Math.max(0, Math.round(hoursLeft * 100) / 100),
          threshold: thresholdHours,
          level,
          message:
            level === 'empty'
              ? `Your balance is exhausted (${formatEuros(user.balance)}): running pods were stopped; volumes are kept.`
              : `Your balance (${formatEuros(user.balance)}) covers less than ${thresholdHours} h at your current usage.`,
          timestamp: now.toISOString(),
        },
      })
    }
    return stopped
  }
}
