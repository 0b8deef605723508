import type { LedgerEntry } from '@neuropod/contracts'
import { type Kysely, sql } from 'kysely'
import type { Principal } from '../auth/principal.js'
import type { Database } from '../db/schema.js'
import { badRequest, forbidden, notFound } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { microsToEuros } from '../lib/money.js'
import { ledgerPage } from './ledger.repository.js'

const DAY_MS = 86_400_000

/** Read side of billing: ledger, usage per pod per day, burn rate. */
export class BillingService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Clients see their own account; admins may name any user. */
  async subjectOf(principal: Principal, userId: string | undefined): Promise<string> {
    if (!userId || userId === principal.userId) return principal.userId
    if (principal.role !== 'admin') throw forbidden('You may only see your own billing')
    const user = await this.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()
    if (!user) throw notFound('User not found')
    return userId
  }

  async ledger(
    userId: string,
    filters: { type?: LedgerEntry['type']; podId?: string; page: number; limit: number },
  ) {
    const { total, rows } = await ledgerPage(this.db, userId, filters)
    const entries: LedgerEntry[] = rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      type: r.type,
      amount: microsToEuros(r.amount),
      balanceAfter: microsToEuros(r.balance_after),
      reason: r.reason,
      actorId: r.actor_id,
      actorEmail: r.actor_email,
      podId: r.pod_id,
      podName: r.pod_name,
      periodStart: r.period_start ? new Date(r.period_start).toISOString() : null,
      periodEnd: r.period_end ? new Date(r.period_end).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
    }))
    return { total, entries }
  }

  async usage(userId: string, fromText?: string, toText?: string) {
    const today = this.clock.now().toISOString().slice(0, 10)
    const to = toText ?? today
    const from = fromText ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10)
    if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)))
      throw badRequest('from and to must be dates (YYYY-MM-DD)')
    if (from > to)
      throw badRequest('from must not be after to', [{ field: 'from', message: 'Must not be after to' }])
    if (Date.parse(to) - Date.parse(from) > 366 * DAY_MS)
      throw badRequest('At most 366 days at a time', [{ field: 'from', message: 'Range too long' }])
    const rows = await this.db
      .selectFrom('usage_daily')
      .innerJoin('pods', 'pods.id', 'usage_daily.pod_id')
      .select([
        'usage_daily.day',
        'usage_daily.pod_id',
        'pods.name',
        'pods.gpu',
        'usage_daily.amount',
        'usage_daily.compute_ms',
        'usage_daily.storage_ms',
      ])
      .where('usage_daily.user_id', '=', userId)
      .where('usage_daily.day', '>=', from)
      .where('usage_daily.day', '<=', to)
      .orderBy('usage_daily.day')
      .orderBy('pods.name')
      .execute()
    const volumeRows = await this.db
      .selectFrom('volume_usage_daily')
      .innerJoin('volumes', 'volumes.id', 'volume_usage_daily.volume_id')
      .select([
        'volume_usage_daily.day',
        'volume_usage_daily.volume_id',
        'volumes.name',
        'volume_usage_daily.amount',
        'volume_usage_daily.storage_ms',
      ])
      .where('volume_usage_daily.user_id', '=', userId)
      .where('volume_usage_daily.day', '>=', from)
      .where('volume_usage_daily.day', '<=', to)
      .execute()
    const byDay = new Map<string, number>()
    const byVolume = new Map<string, { volumeId: string; volumeName: string; amount: number; ms: number }>()
    let volumeTotal = 0
    for (const r of volumeRows) {
      volumeTotal += r.amount
      byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.amount)
      const v = byVolume.get(r.volume_id) ?? { volumeId: r.volume_id, volumeName: r.name, amount: 0, ms: 0 }
      v.amount += r.amount
      v.ms += r.storage_ms
      byVolume.set(r.volume_id, v)
    }
    const byPod = new Map<
      string,
      { podId: string; podName: string; gpu: string; amount: number; computeMs: number }
    >()
    let total = 0
    for (const r of rows) {
      total += r.amount
      byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.amount)
      const pod = byPod.get(r.pod_id) ?? {
        podId: r.pod_id,
        podName: r.name,
        gpu: r.gpu,
        amount: 0,
        computeMs: 0,
      }
      pod.amount += r.amount
      pod.computeMs += r.compute_ms
      byPod.set(r.pod_id, pod)
    }
    return {
      from,
      to,
      total: microsToEuros(total + volumeTotal),
      rows: rows.map((r) => ({
        day: r.day,
        podId: r.pod_id,
        podName: r.name,
        gpu: r.gpu,
        amount: microsToEuros(r.amount),
        computeSeconds: Math.floor(r.compute_ms / 1000),
        storageSeconds: Math.floor(r.storage_ms / 1000),
      })),
      byDay: [...byDay]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([day, amount]) => ({ day, amount: microsToEuros(amount) })),
      byVolume: [...byVolume.values()]
        .sort((a, b) => b.amount - a.amount)
        .map((v) => ({
          volumeId: v.volumeId,
          volumeName: v.volumeName,
          amount: microsToEuros(v.amount),
          storageSeconds: Math.floor(v.ms / 1000),
        })),
      byPod: [...byPod.values()]
        .sort((a, b) => b.amount - a.amount)
        .map((p) => ({
          podId: p.podId,
          podName: p.podName,
          gpu: p.gpu,
          amount: microsToEuros(p.amount),
          computeSeconds: Math.floor(p.computeMs / 1000),
        })),
    }
  }

  async summary(userId: string) {
    const since = new Date(this.clock.now().getTime() - 30 * DAY_MS).toISOString().slice(0, 10)
    const user = await this.db
      .selectFrom('users')
      .select((eb) => [
        'users.role',
        'users.balance',
        eb
          .selectFrom('pods')
          .select(
            sql<number>`coalesce(sum(storage_rate + case when compute_active then compute_rate else 0 end), 0)::bigint`.as(
              'b',
            ),
          )
          .whereRef('pods.user_id', '=', 'users.id')
          .where('pods.deleted_at', 'is', null)
          .where('pods.billed_until', 'is not', null)
          .as('burn'),
        eb
          .selectFrom('volumes')
          .select(sql<number>`coalesce(sum(rate), 0)::bigint`.as('b'))
          .whereRef('volumes.user_id', '=', 'users.id')
          .where('volumes.billed_until', 'is not', null)
          .as('volume_burn'),
        eb
          .selectFrom('pods')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('pods.user_id', '=', 'users.id')
          .where('pods.deleted_at', 'is', null)
          .where('pods.compute_active', '=', true)
          .as('running'),
        eb
          .selectFrom('usage_daily')
          .select(sql<number>`coalesce(sum(amount), 0)::bigint`.as('s'))
          .whereRef('usage_daily.user_id', '=', 'users.id')
          .where('usage_daily.day', '>=', since)
          .as('spent'),
        eb
          .selectFrom('volume_usage_daily')
          .select(sql<number>`coalesce(sum(amount), 0)::bigint`.as('s'))
          .whereRef('volume_usage_daily.user_id', '=', 'users.id')
          .where('volume_usage_daily.day', '>=', since)
          .as('volume_spent'),
      ])
      .where('users.id', '=', userId)
      .executeTakeFirst()
    if (!user) throw notFound('User not found')
    const settings = await this.db
      .selectFrom('pricing_settings')
      .select('low_balance_threshold_minutes')
      .executeTakeFirst()
    const unlimited = user.role === 'admin'
    const burn = unlimited ? 0 : Number(user.burn ?? 0) + Number(user.volume_burn ?? 0)
    return {
      balance: unlimited ? ('Infinity' as const) : microsToEuros(user.balance),
      unlimited,
      burnRatePerHour: microsToEuros(burn),
      hoursLeft: burn > 0 ? Math.max(0, Math.round((user.balance / burn) * 100) / 100) : null,
      runningPods: Number(user.running ?? 0),
      lowBalanceThresholdHours: (settings?.low_balance_threshold_minutes ?? 60) / 60,
      spentLast30Days: unlimited
        ? 0
        : microsToEuros(Number(user.spent ?? 0) + Number(user.volume_spent ?? 0)),
    }
  }

  /** Admin dashboard figures, all from the database: users, pods by state, GPUs in use, revenue per day. */
  async adminStats(days: number) {
    const now = this.clock.now()
    const since = new Date(now.getTime() - (days - 1) * DAY_MS).toISOString().slice(0, 10)
    const [users, pods, gpus, revenueTotal, revenueDays, credits] = await Promise.all([
      this.db
        .selectFrom('users')
        .select([
          sql<number>`count(*)::int`.as('total'),
          sql<number>`count(*) filter (where role = 'admin')::int`.as('admins'),
          sql<number>`count(*) filter (where suspended_at is not null)::int`.as('suspended'),
          sql<number>`count(*) filter (where last_seen_at > ${new Date(now.getTime() - 5 * 60_000)})::int`.as(
            'online',
          ),
        ])
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('pods')
        .select(['status', sql<number>`count(*)::int`.as('n')])
        .where('deleted_at', 'is', null)
        .groupBy('status')
        .execute(),
      this.db
        .selectFrom('pods')
        .select(['gpu', sql<number>`sum(gpu_count)::int`.as('n')])
        .where('deleted_at', 'is', null)
        .where('gpu', '<>', 'cpu')
        .where('status', 'in', ['creating', 'running'])
        .groupBy('gpu')
        .execute(),
      this.db
        .selectFrom('ledger')
        .select([
          sql<number>`coalesce(-sum(amount), 0)::bigint`.as('total'),
          sql<number>`coalesce(-sum(amount) filter (where created_at >= ${new Date(now.getTime() - 30 * DAY_MS)}), 0)::bigint`.as(
            'last30',
          ),
        ])
        .where('type', '=', 'usage')
        .executeTakeFirstOrThrow(),
      // Pods' and volumes' charges per day (volumes accrue on their own, ADR 0016).
      sql<{ day: string; amount: number }>`
        select day, sum(amount)::bigint as amount from (
          select day, amount from usage_daily where day >= ${since}
          union all
          select day, amount from volume_usage_daily where day >= ${since}
        ) charges group by day order by day`
        .execute(this.db)
        .then((r) => r.rows),
      this.db
        .selectFrom('ledger')
        .select([
          sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'),
          sql<number>`sum(amount)::bigint`.as('amount'),
        ])
        .where('type', '=', 'credit')
        .where('created_at', '>=', new Date(`${since}T00:00:00Z`))
        .groupBy(sql`1`)
        .execute(),
    ])
    const byDay: { day: string; amount: number; credits: number }[] = []
    for (let i = 0; i < days; i++) {
      const day = new Date(Date.parse(`${since}T00:00:00Z`) + i * DAY_MS).toISOString().slice(0, 10)
      byDay.push({
        day,
        amount: microsToEuros(Number(revenueDays.find((r) => r.day === day)?.amount ?? 0)),
        credits: microsToEuros(Number(credits.find((r) => r.day === day)?.amount ?? 0)),
      })
    }
    return {
      users,
      pods: {
        total: pods.reduce((s, p) => s + p.n, 0),
        byStatus: Object.fromEntries(pods.map((p) => [p.status, p.n])),
      },
      gpus: {
        inUse: gpus.reduce((s, g) => s + g.n, 0),
        byType: Object.fromEntries(gpus.map((g) => [g.gpu, g.n])),
      },
      revenue: {
        total: microsToEuros(Number(revenueTotal.total)),
        last30Days: microsToEuros(Number(revenueTotal.last30)),
        byDay,
      },
    }
  }
}
