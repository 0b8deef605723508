import { describe, expect, it } from 'vitest'
import { type IdlePolicySettings, resolveAutoStop } from './idle-policy.js'
import { podIdleView } from './idle-view.js'
import { parseUtilization } from './signals/gpu-signal.js'

const SETTINGS: IdlePolicySettings = {
  defaultTimeoutMinutes: 60,
  maxTimeoutMinutes: null,
  allowNever: true,
  warningLeadMinutes: 10,
  runwayWarningMinutes: 60,
}
const NOW = new Date('2026-01-01T12:00:00.000Z')

describe('resolveAutoStop', () => {
  it('defaults to the template, else the platform, capped at the maximum', () => {
    const create = { now: NOW, applyDefault: true }
    expect(resolveAutoStop({}, SETTINGS, create).value.idleTimeoutMinutes).toBe(60)
    expect(resolveAutoStop({}, SETTINGS, { ...create, templateDefault: 15 }).value.idleTimeoutMinutes).toBe(
      15,
    )
    const capped = resolveAutoStop(
      {},
      { ...SETTINGS, maxTimeoutMinutes: 30 },
      { ...create, templateDefault: 240 },
    )
    expect(capped).toEqual({ value: { idleTimeoutMinutes: 30 }, problems: [] })
  })

  it('refuses never where not allowed, a timeout above the maximum, and a past stop time', () => {
    const strict = { ...SETTINGS, allowNever: false, maxTimeoutMinutes: 90 }
    const context = { now: NOW, applyDefault: false }
    expect(resolveAutoStop({ idleTimeoutMinutes: null }, strict, context).problems[0]?.field).toBe(
      'idleTimeoutMinutes',
    )
    expect(resolveAutoStop({ idleTimeoutMinutes: 91 }, strict, context).problems[0]?.message).toContain(
      'at most 90',
    )
    expect(resolveAutoStop({ stopAt: '2025-12-31T00:00:00Z' }, SETTINGS, context).problems[0]?.field).toBe(
      'stopAt',
    )
    expect(resolveAutoStop({ idleTimeoutMinutes: null }, SETTINGS, context).value).toEqual({
      idleTimeoutMinutes: null,
    })
  })

  it('leaves out what a change does not name', () => {
    expect(
      resolveAutoStop({ maxRuntimeMinutes: 120 }, SETTINGS, { now: NOW, applyDefault: false }).value,
    ).toEqual({
      maxRuntimeMinutes: 120,
    })
  })
})

describe('podIdleView', () => {
  const base = {
    idle_timeout_minutes: 30,
    max_runtime_minutes: null,
    stop_at: null,
    idle_deadline: new Date('2026-01-01T12:30:00.000Z'),
    started_at: new Date('2026-01-01T11:00:00.000Z'),
    compute_active: true,
    desired_state: 'running' as const,
    last_active_at: new Date('2026-01-01T12:00:00.000Z'),
    last_activity_source: 'gpu',
    last_activity_detail: 'GPU busy 87 %',
    auto_stop_reason: null,
  }

  it('names the earliest automatic stop and the last activity', () => {
    expect(podIdleView(base).nextStop).toEqual({ at: '2026-01-01T12:30:00.000Z', kind: 'idle' })
    expect(podIdleView({ ...base, max_runtime_minutes: 60 }).nextStop).toEqual({
      at: '2026-01-01T12:00:00.000Z',
      kind: 'max runtime',
    })
    expect(podIdleView({ ...base, stop_at: new Date('2026-01-01T12:10:00.000Z') }).nextStop?.kind).toBe(
      'scheduled',
    )
    expect(podIdleView(base).lastActivity).toEqual({
      at: '2026-01-01T12:00:00.000Z',
      source: 'gpu',
      detail: 'GPU busy 87 %',
    })
  })

  it('has no next stop for a pod that is not meant to run', () => {
    const stopped = podIdleView({ ...base, desired_state: 'stopped', auto_stop_reason: 'idle 30 min' })
    expect(stopped.nextStop).toBeNull()
    expect(stopped.idleDeadline).toBeNull()
    expect(stopped.lastAutoStop).toBe('idle 30 min')
  })
})

describe('parseUtilization', () => {
  it('takes the busiest GPU from nvidia-smi', () => {
    expect(parseUtilization('12\n87\n')).toBe(87)
    expect(parseUtilization('[N/A]\n')).toBeNull()
    expect(parseUtilization('')).toBeNull()
  })
})
