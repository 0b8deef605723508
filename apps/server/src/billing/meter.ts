import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Clock } from '../lib/clock.js'
import { formatEuros, microsToEuros } from '../lib/money.js'
import type { Bus } from '../realtime/bus.js'

/**
 * Per-second metering. Each pod carries `billed_until`: everything before it is charged. A
 * settlement charges [billed_until, now) at the pod's frozen hourly rates — compute (GPU +
 * container disk) while `compute_active`, storage (volume disk) while the pod exists — carrying
 * sub-micro-euro remainders, and moves `billed_until` to now in the same statement that writes the
 * ledger entries and balances. Settling twice for the same instant charges nothing the second
 * time; a crash before commit charges nothing at all.
 *
 * Every state change that alters what accrues (container started or gone, pod deleted) settles the
 * pod first, so rates are constant between settlements. The periodic tick settles everyone.
 */

export interface Settlement {
  userId: string
  charged: number
  balance: number
}

/** Pods per statement in a tick: bounds lock time on large installations. */
export const TICK_BATCH = 5000

export async function settle(
  trx: Transaction<Database> | Kysely<Database>,
  now: Date,
  podIds: string[] | null,
): Promise<{ pods: number; users: Settlement[] }> {
  if (podIds && podIds.length === 0) return { pods: 0, users: [] }
  const podFilter = podIds ? sql`and p.id in (${sql.join(podIds)})` : sql``
  const result = await sql<{
    pods: number
    users: Array<{ user_id: string; amount: number; balance: number }> | null
  }>`
    with due as (
      select p.id, p.user_id, p.billed_until, p.billing_carry, p.compute_active,
             case when u.role = 'admin' then 0
                  else (case when p.compute_active then p.compute_rate else 0 end) + p.storage_rate end as rate,
             round(extract(epoch from (${now}::timestamptz - p.billed_until)) * 1000)::bigint as ms
      from pods p join users u on u.id = p.user_id
      where p.billed_until is not null and p.billed_until < ${now}::timestamptz ${podFilter}
      order by p.id
      limit ${podIds ? podIds.length : TICK_BATCH}
      for update of p
    ),
    calc as (
      select id, user_id, billed_until as period_start, ms, compute_active,
             (rate * ms + billing_carry) / 3600000 as amount,
             (rate * ms + billing_carry) % 3600000 as carry
      from due
    ),
    moved as (
      update pods set billed_until = ${now}::timestamptz, billing_carry = calc.carry
      from calc where pods.id = calc.id
      returning pods.id
    ),
    daily as (
      insert into usage_daily (pod_id, day, user_id, amount, compute_ms, storage_ms)
      select id, (period_start at time zone 'UTC')::date, user_id, amount,
             case when compute_active then ms else 0 end, ms
      from calc
      on conflict (pod_id, day) do update set
        amount = usage_daily.amount + excluded.amount,
        compute_ms = usage_daily.compute_ms + excluded.compute_ms,
        storage_ms = usage_daily.storage_ms + excluded.storage_ms
    ),
    per_user as (
      select user_id, sum(amount)::bigint as amount, count(*)::int as pods,
             min(period_start) as period_start, min(id) as first_pod
      from calc group by user_id having sum(amount) > 0
    ),
    charged as (
      update users set balance = users.balance - per_user.amount
      from per_user where users.id = per_user.user_id
      returning users.id, users.balance
    ),
    entries as (
      insert into ledger (user_id, type, amount, balance_after, reason, pod_id, period_start, period_end, created_at)
      select pu.user_id, 'usage', -pu.amount, c.balance,
             case when pu.pods = 1 then 'Pod usage' else 'Usage of ' || pu.pods || ' pods' end,
             case when pu.pods = 1 then pu.first_pod end,
             pu.period_start, ${now}::timestamptz, ${now}::timestamptz
      from per_user pu join charged c on c.id = pu.user_id
      returning user_id
    )
    select (select count(*) from moved)::int as pods,
           (select json_agg(json_build_object('user_id', c.id, 'amount', pu.amount, 'balance', c.balance))
              from charged c join per_user pu on pu.user_id = c.id) as users
  `.execute(trx)
  const row = result.rows[0]
  return {
    pods: row?.pods ?? 0,
    users: (row?.users ?? []).map((u) => ({
      userId: u.user_id,
      charged: Number(u.amount),
      balance: Number(u.balance),
    })),
  }
}

export interface MeterDeps {
  db: Kysely<Database>
  clock: Clock
  bus: Bus
  /** Pods the meter stopped because their owner ran out of money: the reconciler must act. */
  onAutoStop: (podIds: string[]) => void
  onError: (error: unknown) => void
}

export interface TickResult {
  pods: number
  charged: number
  users: number
  autoStopped: number
  durationMs: number
}

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
    const started = performance.now()
    let pods = 0
    let charged = 0
    const balances = new Map<string, Settlement>()
    for (;;) {
      const batch = await this.deps.db.transaction().execute((trx) => settle(trx, now, null))
      pods += batch.pods
      for (const s of batch.users) {
        charged += s.charged
        const prev = balances.get(s.userId)
        balances.set(s.userId, {
          userId: s.userId,
          charged: (prev?.charged ?? 0) + s.charged,
          balance: s.balance,
        })
      }
      if (batch.pods < TICK_BATCH) break
    }
    for (const s of balances.values())
      this.publishBalance(s.userId, s.balance, -s.charged, 'Usage', null, now)
    const autoStopped = await this.evaluateBalances([...balances.keys()], now)
    return { pods, charged, users: balances.size, autoStopped, durationMs: performance.now() - started }
  }

  publishBalance(
    userId: string,
    balance: number,
    change: number,
    reason: string,
    updatedBy: string | null,
    now: Date,
  ): void {
    this.deps.bus.publish({
      kind: 'user',
      userId,
      event: 'balanceUpdate',
      payload: {
        type: 'balanceUpdate',
        userId,
        newBalance: microsToEuros(balance),
        change: microsToEuros(change),
        reason,
        updatedBy,
        timestamp: now.toISOString(),
      },
    })
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
      const burn = Number(user.burn ?? 0)
      const hoursLeft = burn > 0 ? user.balance / burn : null
      let level: 'none' | 'low' | 'empty' = 'none'
      if (user.balance <= 0) level = 'empty'
      else if (hoursLeft !== null && hoursLeft < thresholdHours) level = 'low'

      if (level === 'empty') {
        const pods = await this.deps.db
          .updateTable('pods')
          .set({
            desired_state: 'stopped',
            status_reason: 'Stopped: balance exhausted (your volume and data are kept)',
            updated_at: now,
          })
          .where('user_id', '=', user.id)
          .where('desired_state', '=', 'running')
          .where('deleted_at', 'is', null)
          .returning('id')
          .execute()
        if (pods.length > 0) {
          stopped += pods.length
          this.deps.onAutoStop(pods.map((p) => p.id))
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
      if (!updated || !escalated) continue
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
