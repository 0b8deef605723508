import type { AutoStopBody, IdleSettings, Pod, UpdateIdleSettingsBody } from '@neuropod/contracts'
import type { Kysely } from 'kysely'
import type { AuditLog } from '../audit/audit-log.js'
import type { Principal } from '../auth/principal.js'
import type { Database, PodRow } from '../db/schema.js'
import { badRequest, invalidState, notFound } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { IdleRepository, updatePolicy } from './idle.repository.js'
import { resolveAutoStop } from './idle-policy.js'
import type { IdleSettingsRepository, StoredIdleSettings } from './idle-settings.repository.js'

export interface IdleServiceDeps {
  db: Kysely<Database>
  clock: Clock
  audit: AuditLog
  settings: IdleSettingsRepository
  /** The pod if the principal may see it (404 / 403 otherwise) */
  accessible: (principal: Principal, podId: string) => Promise<PodRow>
  /** Publishes the pod's new state and returns it */
  publish: (podId: string) => Promise<Pod | null>
}

/** Idle policy use cases: a pod's auto-stop settings, Keep running, and the platform settings. */
export class IdleService {
  private readonly repo: IdleRepository

  constructor(private readonly deps: IdleServiceDeps) {
    this.repo = new IdleRepository(deps.db)
  }

  async settings(): Promise<IdleSettings> {
    return settingsView(await this.deps.settings.get())
  }

  async updateSettings(principal: Principal, body: UpdateIdleSettingsBody): Promise<IdleSettings> {
    const current = await this.deps.settings.get()
    const next = {
      defaultTimeoutMinutes: body.defaultTimeoutMinutes ?? current.defaultTimeoutMinutes,
      maxTimeoutMinutes:
        body.maxTimeoutMinutes === undefined ? current.maxTimeoutMinutes : body.maxTimeoutMinutes,
      allowNever: body.allowNever ?? current.allowNever,
      warningLeadMinutes: body.warningLeadMinutes ?? current.warningLeadMinutes,
      runwayWarningMinutes: body.runwayWarningMinutes ?? current.runwayWarningMinutes,
    }
    if (next.maxTimeoutMinutes !== null && next.defaultTimeoutMinutes > next.maxTimeoutMinutes)
      throw badRequest('The idle settings have problems', [
        {
          field: 'defaultTimeoutMinutes',
          message: `The default (${next.defaultTimeoutMinutes} min) is above the maximum (${next.maxTimeoutMinutes} min)`,
        },
      ])
    const now = this.deps.clock.now()
    await this.deps.settings.update(next, principal.userId, now)
    await this.deps.audit.record(principal.userId, 'UPDATE_IDLE_SETTINGS', 'settings', 'idle', { ...next })
    return settingsView({ ...next, updatedAt: now })
  }

  /** Changes a pod's idle timeout, maximum runtime or stop time (also while it runs). */
  async setAutoStop(principal: Principal, podId: string, body: AutoStopBody): Promise<Pod> {
    await this.deps.accessible(principal, podId)
    const now = this.deps.clock.now()
    const { value, problems } = resolveAutoStop(body, await this.deps.settings.get(), {
      now,
      applyDefault: false,
    })
    if (problems.length > 0) throw badRequest('The auto-stop settings have problems', problems)
    if (!(await updatePolicy(this.deps.db, podId, value, now))) throw notFound('Pod not found')
    await this.deps.audit.record(principal.userId, 'SET_POD_AUTO_STOP', 'pod', podId, {
      idleTimeoutMinutes: value.idleTimeoutMinutes,
      maxRuntimeMinutes: value.maxRuntimeMinutes,
      stopAt: value.stopAt?.toISOString() ?? value.stopAt,
    })
    const pod = await this.deps.publish(podId)
    if (!pod) throw notFound('Pod not found')
    return pod
  }

  /** Keep running: moves the idle deadline by one timeout. */
  async extend(
    principal: Principal,
    podId: string,
  ): Promise<{ idleDeadline: string | null; minutes: number }> {
    await this.deps.accessible(principal, podId)
    const row = await this.repo.extend(podId, this.deps.clock.now())
    if (!row)
      throw invalidState('The pod is not meant to run or has no idle timeout: there is nothing to extend')
    await this.deps.audit.record(principal.userId, 'EXTEND_POD', 'pod', podId, {
      minutes: row.idle_timeout_minutes,
    })
    await this.deps.publish(podId)
    return {
      idleDeadline: row.idle_deadline === null ? null : new Date(row.idle_deadline).toISOString(),
      minutes: row.idle_timeout_minutes,
    }
  }
}

function settingsView(s: StoredIdleSettings): IdleSettings {
  return {
    defaultTimeoutMinutes: s.defaultTimeoutMinutes,
    maxTimeoutMinutes: s.maxTimeoutMinutes,
    allowNever: s.allowNever,
    warningLeadMinutes: s.warningLeadMinutes,
    runwayWarningMinutes: s.runwayWarningMinutes,
    updatedAt: s.updatedAt?.toISOString() ?? null,
  }
}
