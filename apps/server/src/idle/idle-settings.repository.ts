import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { IdlePolicySettings } from './idle-policy.js'

export interface StoredIdleSettings extends IdlePolicySettings {
  updatedAt: Date | null
}

/** The platform's idle policy row (`idle_settings`, id = 1, created by the migration). */
export class IdleSettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(): Promise<StoredIdleSettings> {
    const row = await this.db
      .selectFrom('idle_settings')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    return {
      defaultTimeoutMinutes: row.default_timeout_minutes,
      maxTimeoutMinutes: row.max_timeout_minutes,
      allowNever: row.allow_never,
      warningLeadMinutes: row.warning_lead_minutes,
      runwayWarningMinutes: row.runway_warning_minutes,
      updatedAt: row.updated_at === null ? null : new Date(row.updated_at),
    }
  }

  async update(settings: IdlePolicySettings, by: string, at: Date): Promise<void> {
    await this.db
      .updateTable('idle_settings')
      .set({
        default_timeout_minutes: settings.defaultTimeoutMinutes,
        max_timeout_minutes: settings.maxTimeoutMinutes,
        allow_never: settings.allowNever,
        warning_lead_minutes: settings.warningLeadMinutes,
        runway_warning_minutes: settings.runwayWarningMinutes,
        updated_at: at,
        updated_by: by,
      })
      .where('id', '=', 1)
      .execute()
  }
}
