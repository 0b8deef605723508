import type { FormEvent } from 'react'
import type { IdleSettings, UpdateIdleSettingsBody } from '../../api/types'
import { Button } from '../../components/Button'
import { Field } from '../../components/Field'
import { useT } from '../../i18n'
import { dateTime } from '../../lib/format'

/** The platform idle policy as typed (minutes as text; an empty maximum = no maximum). */
export interface IdleSettingsValues {
  defaultTimeout: string
  maxTimeout: string
  allowNever: boolean
  warningLead: string
  runwayWarning: string
}

export function idleSettingsValues(settings: IdleSettings): IdleSettingsValues {
  return {
    defaultTimeout: String(settings.defaultTimeoutMinutes),
    maxTimeout: settings.maxTimeoutMinutes === null ? '' : String(settings.maxTimeoutMinutes),
    allowNever: settings.allowNever,
    warningLead: String(settings.warningLeadMinutes),
    runwayWarning: String(settings.runwayWarningMinutes),
  }
}

/** The PUT body (numbers as typed: the server's 400 says what is wrong with them, per field). */
export function idleSettingsBody(values: IdleSettingsValues): UpdateIdleSettingsBody {
  return {
    defaultTimeoutMinutes: Number(values.defaultTimeout),
    maxTimeoutMinutes: values.maxTimeout.trim() === '' ? null : Number(values.maxTimeout),
    allowNever: values.allowNever,
    warningLeadMinutes: Number(values.warningLead),
    runwayWarningMinutes: Number(values.runwayWarning),
  }
}

export interface AdminIdleViewProps {
  updatedAt: string | null
  values: IdleSettingsValues
  onChange: (values: IdleSettingsValues) => void
  onSave: () => void
  saving: boolean
  errors: Record<string, string[]>
}

/** `/admin/auto-stop`: the platform defaults and limits of idle auto-stop. */
export function AdminIdleView({ updatedAt, values, onChange, onSave, saving, errors }: AdminIdleViewProps) {
  const { t, locale } = useT()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    onSave()
  }
  const minutes = (key: keyof IdleSettingsValues, min: number) => (
    <input
      type="number"
      min={min}
      inputMode="numeric"
      value={String(values[key])}
      onChange={(e) => onChange({ ...values, [key]: e.target.value })}
    />
  )
  return (
    <section className="card stack" aria-labelledby="admin-idle-heading">
      <h1 id="admin-idle-heading">{t('adminIdle.title')}</h1>
      <p className="small muted">{t('adminIdle.intro')}</p>
      <form className="stack" onSubmit={submit} noValidate>
        <Field
          label={t('adminIdle.defaultTimeout')}
          hint={t('adminIdle.defaultTimeoutHint')}
          errors={errors.defaultTimeoutMinutes}
        >
          {minutes('defaultTimeout', 1)}
        </Field>
        <Field
          label={t('adminIdle.maxTimeout')}
          hint={t('adminIdle.maxTimeoutHint')}
          errors={errors.maxTimeoutMinutes}
        >
          {minutes('maxTimeout', 1)}
        </Field>
        <label className="row small">
          <input
            type="checkbox"
            checked={values.allowNever}
            onChange={(e) => onChange({ ...values, allowNever: e.target.checked })}
          />
          {t('adminIdle.allowNever')}
        </label>
        <Field
          label={t('adminIdle.warningLead')}
          hint={t('adminIdle.warningLeadHint')}
          errors={errors.warningLeadMinutes}
        >
          {minutes('warningLead', 0)}
        </Field>
        <Field
          label={t('adminIdle.runwayWarning')}
          hint={t('adminIdle.runwayWarningHint')}
          errors={errors.runwayWarningMinutes}
        >
          {minutes('runwayWarning', 0)}
        </Field>
        {updatedAt && (
          <p className="small muted">{t('adminIdle.updatedAt', { time: dateTime(updatedAt, locale) })}</p>
        )}
        <div className="row">
          <Button type="submit" variant="primary" loading={saving}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </section>
  )
}
