import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'

/**
 * Per-second metering of volumes (ADR 0016), the same rule as pods (settlement.ts): each volume
 * carries `billed_until`; a settlement charges [billed_until, now) at the volume's frozen hourly
 * rate — attached or not, running pod or not — carrying sub-micro-euro remainders, and moves
 * `billed_until` to now in the statement that writes the ledger entries and balances. Admins'
 * volumes are not metered. A resize or delete settles the volume first, so its rate is constant
 * between settlements; the meter's tick settles everyone.
 */

/** One owner's charge for their volumes (the same shape as settlement.ts's Settlement). */
export interface VolumeSettlement {
  userId: string
  charged: number
  balance: number
}

/** Volumes per statement in a tick: bounds lock time on large installations. */
export const VOLUME_TICK_BATCH = 5000

export async function settleVolumes(
  trx: Transaction<Database> | Kysely<Database>,
  now: Date,
  volumeIds: string[] | null,
): Promise<{ volumes: number; users: VolumeSettlement[] }> {
  if (volumeIds && volumeIds.length === 0) return { volumes: 0, users: [] }
  const filter = volumeIds ? sql`and v.id in (${sql.join(volumeIds)})` : sql``
  const result = await sql<{
    volumes: number
    users: Array<{ user_id: string; amount: number; balance: number }> | null
  }>`
    with due as (
      select v.id, v.user_id, v.billed_until, v.billing_carry,
             case when u.role = 'admin' then 0 else v.rate end as rate,
             round(extract(epoch from (${now}::timestamptz - v.billed_until)) * 1000)::bigint as ms
      from volumes v join users u on u.id = v.user_id
      where v.billed_until is not null and v.billed_until < ${now}::timestamptz ${filter}
      order by v.id
      limit ${volumeIds ? volumeIds.length : VOLUME_TICK_BATCH}
      for update of v
    ),
    calc as (
      select id, user_id, billed_until as period_start, ms,
             (rate * ms + billing_carry) / 3600000 as amount,
             (rate * ms + billing_carry) % 3600000 as carry
      from due
    ),
    moved as (
      update volumes set billed_until = ${now}::timestamptz, billing_carry = calc.carry
      from calc where volumes.id = calc.id
      returning volumes.id
    ),
    daily as (
      insert into volume_usage_daily (volume_id, day, user_id, amount, storage_ms)
      select id, (period_start at time zone 'UTC')::date, user_id, amount, ms
      from calc
      on conflict (volume_id, day) do update set
        amount = volume_usage_daily.amount + excluded.amount,
        storage_ms = volume_usage_daily.storage_ms + excluded.storage_ms
    ),
    per_user as (
      select user_id, sum(amount)::bigint as amount, count(*)::int as volumes,
             min(period_start) as period_start
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
             case when pu.volumes = 1 then 'Volume storage' else 'Storage of ' || pu.volumes || ' volumes' end,
             null, pu.period_start, ${now}::timestamptz, ${now}::timestamptz
      from per_user pu join charged c on c.id = pu.user_id
      returning user_id
    )
    select (select count(*) from moved)::int as volumes,
           (select json_agg(json_build_object('user_id', c.id, 'amount', pu.amount, 'balance', c.balance))
              from charged c join per_user pu on pu.user_id = c.id) as users
  `.execute(trx)
  const row = result.rows[0]
  return {
    volumes: row?.volumes ?? 0,
    users: (row?.users ?? []).map((u) => ({
      userId: u.user_id,
      charged: Number(u.amount),
      balance: Number(u.balance),
    })),
  }
}
