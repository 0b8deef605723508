import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Executor } from '../db/transaction.js'
import type { ActivityObservation } from './activity-signal.js'

export interface RunningPodRow {
  id: string
  gpu: string
  gpu_count: number
  jupyter_token_sealed: string | null
  /** The port of the platform-configured Jupyter service (null: none) */
  jupyter_port: number | null
}

export interface StoppedPod {
  id: string
  user_id: string
  why: string
  event_id: number
  event_at: Date
  event_message: string
}

export interface WarnedPod {
  id: string
  user_id: string
  name: string
  idle_deadline: Date
  idle_timeout_minutes: number
}

/** Pods the evaluator looks at: meant to run and with a running container. */
const RUNNING = sql`desired_state = 'running' and deleted_at is null and status = 'running' and compute_active`
/** The idle deadline the latest activity gives (greatest ignores nulls: a pod never used counts from its start). */
const FROM_ACTIVITY = sql`greatest(started_at, last_active_at) + idle_timeout_minutes * interval '1 minute'`
/**
 * A pod's idle deadline: what its latest activity gives, or later if Keep running moved it
 * (`idle_deadline` holds only extensions). Derived from stored columns, so a restart keeps it and a
 * pass writes nothing for pods that are not due.
 */
export const EFFECTIVE_DEADLINE = sql`greatest(idle_deadline, ${FROM_ACTIVITY})`

/**
 * The idle evaluator's SQL (ADR 0018). Every statement is set-based: one pass is a fixed number of
 * statements whatever the number of pods. Concurrent passes (two replicas) cannot stop or warn a
 * pod twice: each update re-checks its condition on the row it locks.
 */
export class IdleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Pods the pull signals are asked about. */
  async runningPods(): Promise<RunningPodRow[]> {
    // Only the Jupyter port, picked in SQL: parsing every pod's service list in Node was the slowest
    // part of a pass with 10,000 pods; the token only where that port exists.
    const result = await sql<RunningPodRow>`
      select id, gpu, gpu_count, jupyter_port,
        case when jupyter_port is null then null else jupyter_token_sealed end as jupyter_token_sealed
      from (
        select id, gpu, gpu_count, jupyter_token_sealed,
          (select (s ->> 'port')::int from jsonb_array_elements(http_services) s
            where s ->> 'jupyter' = 'true' limit 1) as jupyter_port
        from pods where ${RUNNING}
      ) running`.execute(this.db)
    return result.rows
  }

  /** Writes signal observations in one statement; activity never moves backwards. */
  async recordActivity(observations: readonly ActivityObservation[]): Promise<number> {
    if (observations.length === 0) return 0
    // One row per pod: the latest observation (ties: the first signal asked).
    const latest = new Map<string, ActivityObservation>()
    for (const o of observations) {
      const seen = latest.get(o.podId)
      if (!seen || seen.at.getTime() < o.at.getTime()) latest.set(o.podId, o)
    }
    const rows = [...latest.values()].map(
      (o) => sql`(${o.podId}, ${o.at.toISOString()}::timestamptz, ${o.source}, ${o.detail})`,
    )
    const result = await sql`
      update pods set last_active_at = v.at, last_activity_source = v.source, last_activity_detail = v.detail
      from (values ${sql.join(rows)}) as v(id, at, source, detail)
      where pods.id = v.id and (pods.last_active_at is null or pods.last_active_at <= v.at)`.execute(this.db)
    return Number(result.numAffectedRows ?? 0)
  }

  /**
   * Stops every pod past its stop time, maximum runtime or idle deadline, through the desired-state
   * path (the reconciler does the rest), with the reason in its events and its owner's notifications.
   */
  async stopDue(trx: Executor, now: Date): Promise<StoppedPod[]> {
    const at = now.toISOString()
    const result = await sql<StoppedPod>`
      with due as (
        select id,
          case
            when stop_at <= ${at}::timestamptz then 'scheduled'
            when max_runtime_minutes is not null and compute_active and started_at is not null
              and started_at + max_runtime_minutes * interval '1 minute' <= ${at}::timestamptz then 'max runtime'
            else 'idle ' || idle_timeout_minutes || ' min'
          end as why
        from pods
        where desired_state = 'running' and deleted_at is null
          and (stop_at <= ${at}::timestamptz
            or (max_runtime_minutes is not null and compute_active and started_at is not null
              and started_at + max_runtime_minutes * interval '1 minute' <= ${at}::timestamptz)
            or (idle_timeout_minutes is not null and ${EFFECTIVE_DEADLINE} <= ${at}::timestamptz and ${RUNNING}))
      ), stopped as (
        update pods p set
          desired_state = 'stopped',
          status = case when p.status in ('pending', 'creating', 'running') then 'stopping' else p.status end,
          status_reason = 'Stopped automatically: ' || due.why || ' (the volume and data are kept)',
          auto_stop_reason = due.why,
          idle_deadline = null,
          idle_warned_deadline = null,
          stop_at = case when due.why = 'scheduled' then null else p.stop_at end,
          updated_at = ${at}::timestamptz
        from due
        where p.id = due.id and p.desired_state = 'running' and p.deleted_at is null
        returning p.id, p.user_id, p.name, due.why
      ), events as (
        insert into pod_events (pod_id, at, type, reason, message, progress)
        select id, ${at}::timestamptz, 'normal', 'AutoStopped',
          'Stopped automatically: ' || why || '; the volume is kept (Start undoes it)', null
        from stopped
        returning id, pod_id, at, message
      ), notes as (
        insert into notifications (user_id, pod_id, kind, message, created_at)
        select user_id, id, 'autoStopped', '"' || name || '" was stopped automatically: ' || why, ${at}::timestamptz
        from stopped
      )
      select s.id, s.user_id, s.why, e.id as event_id, e.at as event_at, e.message as event_message
      from stopped s join events e on e.pod_id = s.id`.execute(trx)
    return result.rows
  }

  /** Records why the meter stopped pods (their owner ran out of balance): event and notification. */
  async recordBalanceStops(podIds: string[], now: Date): Promise<StoppedPod[]> {
    if (podIds.length === 0) return []
    const at = now.toISOString()
    const result = await sql<StoppedPod>`
      with stopped as (
        update pods set auto_stop_reason = 'balance', idle_deadline = null, idle_warned_deadline = null
        where id in (${sql.join(podIds)})
        returning id, user_id, name, 'balance'::text as why
      ), events as (
        insert into pod_events (pod_id, at, type, reason, message, progress)
        select id, ${at}::timestamptz, 'warning', 'AutoStopped',
          'Stopped automatically: balance exhausted; the volume is kept (Start undoes it once you add credit)', null
        from stopped
        returning id, pod_id, at, message
      ), notes as (
        insert into notifications (user_id, pod_id, kind, message, created_at)
        select user_id, id, 'autoStopped', '"' || name || '" was stopped automatically: balance', ${at}::timestamptz
        from stopped
      )
      select s.id, s.user_id, s.why, e.id as event_id, e.at as event_at, e.message as event_message
      from stopped s join events e on e.pod_id = s.id`.execute(this.db)
    return result.rows
  }

  /** Marks (once per deadline) the pods whose idle stop is within the lead, with a notification each. */
  async warnDue(trx: Executor, now: Date, leadMinutes: number): Promise<WarnedPod[]> {
    const at = now.toISOString()
    const result = await sql<WarnedPod>`
      with warned as (
        update pods set idle_warned_deadline = ${EFFECTIVE_DEADLINE}
        where ${RUNNING} and idle_timeout_minutes is not null
          and ${EFFECTIVE_DEADLINE} > ${at}::timestamptz
          and ${EFFECTIVE_DEADLINE} - ${leadMinutes} * interval '1 minute' <= ${at}::timestamptz
          and idle_warned_deadline is distinct from ${EFFECTIVE_DEADLINE}
        returning id, user_id, name, idle_warned_deadline as idle_deadline, idle_timeout_minutes
      ), notes as (
        insert into notifications (user_id, pod_id, kind, message, created_at)
        select user_id, id, 'idleWarning',
          '"' || name || '" is idle and stops in '
            || ceil(extract(epoch from idle_deadline - ${at}::timestamptz) / 60)::int
            || ' min unless it is used or kept running',
          ${at}::timestamptz
        from warned
      )
      select * from warned`.execute(trx)
    return result.rows
  }

  /** Keep running: the idle deadline moves by one timeout (from now if it already passed). */
  async extend(
    podId: string,
    now: Date,
  ): Promise<{ idle_deadline: Date | null; idle_timeout_minutes: number } | null> {
    const at = now.toISOString()
    const result = await sql<{ idle_deadline: Date | null; idle_timeout_minutes: number }>`
      update pods set
        idle_deadline = greatest(coalesce(${EFFECTIVE_DEADLINE}, ${at}::timestamptz), ${at}::timestamptz)
          + idle_timeout_minutes * interval '1 minute',
        updated_at = ${at}::timestamptz
      where id = ${podId} and desired_state = 'running' and deleted_at is null and idle_timeout_minutes is not null
      returning idle_deadline, idle_timeout_minutes`.execute(this.db)
    return result.rows[0] ?? null
  }
}

/** Changes a pod's policy; the idle deadline counts again from the latest activity under the new timeout. */
export async function updatePolicy(
  db: Executor,
  podId: string,
  policy: { idleTimeoutMinutes?: number | null; maxRuntimeMinutes?: number | null; stopAt?: Date | null },
  now: Date,
): Promise<boolean> {
  const set: Record<string, unknown> = { updated_at: now, idle_warned_deadline: null }
  if (policy.idleTimeoutMinutes !== undefined) {
    // A new timeout starts over from the latest activity (an earlier Keep running is dropped).
    set.idle_timeout_minutes = policy.idleTimeoutMinutes
    set.idle_deadline = null
  }
  if (policy.maxRuntimeMinutes !== undefined) set.max_runtime_minutes = policy.maxRuntimeMinutes
  if (policy.stopAt !== undefined) set.stop_at = policy.stopAt
  const result = await db
    .updateTable('pods')
    .set(set)
    .where('id', '=', podId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}
