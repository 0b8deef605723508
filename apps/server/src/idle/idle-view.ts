import { type ActivitySource, ActivitySources, type AutoStopKind, type PodIdle } from '@neuropod/contracts'
import type { PodRow } from '../db/schema.js'

type IdleColumns = Pick<
  PodRow,
  | 'idle_timeout_minutes'
  | 'max_runtime_minutes'
  | 'stop_at'
  | 'idle_deadline'
  | 'started_at'
  | 'compute_active'
  | 'desired_state'
  | 'last_active_at'
  | 'last_activity_source'
  | 'last_activity_detail'
  | 'auto_stop_reason'
>

const SOURCES = new Set<string>(ActivitySources)

/** The pod object's `idle` block: policy, the next automatic stop and the latest activity. */
export function podIdleView(row: IdleColumns): PodIdle {
  const candidates: { at: Date; kind: AutoStopKind }[] = []
  if (row.desired_state === 'running') {
    if (row.stop_at) candidates.push({ at: new Date(row.stop_at), kind: 'scheduled' })
    if (row.max_runtime_minutes !== null && row.compute_active && row.started_at)
      candidates.push({
        at: new Date(new Date(row.started_at).getTime() + row.max_runtime_minutes * 60_000),
        kind: 'max runtime',
      })
    const idle = idleDeadline(row)
    if (idle) candidates.push({ at: idle, kind: 'idle' })
  }
  candidates.sort((a, b) => a.at.getTime() - b.at.getTime())
  const next = candidates[0]
  const source = row.last_activity_source ?? (row.last_active_at ? 'http' : null)
  return {
    timeoutMinutes: row.idle_timeout_minutes,
    maxRuntimeMinutes: row.max_runtime_minutes,
    stopAt: iso(row.stop_at),
    idleDeadline: row.desired_state === 'running' ? (idleDeadline(row)?.toISOString() ?? null) : null,
    nextStop: next ? { at: next.at.toISOString(), kind: next.kind } : null,
    lastActivity:
      row.last_active_at && source && SOURCES.has(source)
        ? {
            at: new Date(row.last_active_at).toISOString(),
            source: source as ActivitySource,
            detail: row.last_activity_detail,
          }
        : null,
    lastAutoStop: row.auto_stop_reason,
  }
}

/**
 * The idle deadline of a running container: its latest activity (or start) plus the timeout, or
 * later where Keep running moved it — the evaluator's `EFFECTIVE_DEADLINE`, computed here for the view.
 */
function idleDeadline(row: IdleColumns): Date | null {
  if (row.idle_timeout_minutes === null || !row.compute_active || !row.started_at) return null
  const started = new Date(row.started_at).getTime()
  const active = row.last_active_at ? new Date(row.last_active_at).getTime() : started
  const fromActivity = Math.max(started, active) + row.idle_timeout_minutes * 60_000
  const extended = row.idle_deadline ? new Date(row.idle_deadline).getTime() : 0
  return new Date(Math.max(fromActivity, extended))
}

function iso(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString()
}
