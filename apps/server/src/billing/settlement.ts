import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Tx } from '../db/transaction.js'
import type { Bus } from '../realtime/bus.js'
import { balanceUpdate } from './balance-events.js'
import { settleVolumes } from './volume-settlement.js'

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

/**
 * Settles `podIds` (and `volumeIds`, ADR 0016) inside `tx` and, once it commits, tells each charged
 * owner their new balance in one message, so a stop or delete never leaves the header showing
 * money that is already gone.
 */
export async function settleAndAnnounce(
  tx: Tx,
  bus: Bus,
  now: Date,
  podIds: string[],
  volumeIds: string[] = [],
): Promise<{ pods: number; users: Settlement[] }> {
  const result = await settle(tx.trx, now, podIds)
  const volumes = await settleVolumes(tx.trx, now, volumeIds)
  const users = new Map<string, Settlement>()
  for (const s of [...result.users, ...volumes.users]) {
    const prev = users.get(s.userId)
    // The volume settlement ran last: its balance is the newer one.
    users.set(s.userId, { userId: s.userId, charged: (prev?.charged ?? 0) + s.charged, balance: s.balance })
  }
  for (const s of users.values())
    tx.afterCommit(() => bus.publish(balanceUpdate(s.userId, s.balance, -s.charged, 'Usage', null, now)))
  return { pods: result.pods, users: [...users.values()] }
}
