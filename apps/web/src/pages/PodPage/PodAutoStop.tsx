import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api } from '../../api/api'
import { errorMessage, fieldErrors } from '../../api/errors'
import { idleSettingsQuery } from '../../api/queries/idle'
import { podKeys } from '../../api/queries/pods'
import type { Pod } from '../../api/types'
import { Button } from '../../components/Button'
import { Alert } from '../../components/Feedback'
import { Field } from '../../components/Field'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { dateTime } from '../../lib/format'

export interface AutoStopValues {
  /** Minutes as typed; empty = never */
  idleTimeout: string
  maxRuntime: string
  /** datetime-local value (the browser's time zone); empty = none */
  stopAt: string
}

/** The pod's policy as form values. */
export function autoStopValues(pod: Pod): AutoStopValues {
  const local = (iso: string | null) => {
    if (!iso) return ''
    const d = new Date(iso)
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
  }
  return {
    idleTimeout: pod.idle.timeoutMinutes === null ? '' : String(pod.idle.timeoutMinutes),
    maxRuntime: pod.idle.maxRuntimeMinutes === null ? '' : String(pod.idle.maxRuntimeMinutes),
    stopAt: local(pod.idle.stopAt),
  }
}

/** The request body for the values (numbers stay as typed: the server says what is wrong with them). */
export function autoStopBody(values: AutoStopValues) {
  const minutes = (text: string) => (text.trim() === '' ? null : Number(text))
  return {
    idleTimeoutMinutes: minutes(values.idleTimeout),
    maxRuntimeMinutes: minutes(values.maxRuntime),
    stopAt: values.stopAt ? new Date(values.stopAt).toISOString() : null,
  }
}

export interface PodAutoStopViewProps {
  pod: Pod
  allowNever: boolean
  maxTimeoutMinutes: number | null
  values: AutoStopValues
  onChange: (values: AutoStopValues) => void
  onSave: () => void
  saving: boolean
  errors: Record<string, string[]>
}

/** Idle timeout, maximum runtime and stop time of a pod, changeable while it runs. */
export function PodAutoStopView(props: PodAutoStopViewProps) {
  const { pod, values, onChange, errors } = props
  const { t, locale } = useT()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    props.onSave()
  }
  const next = pod.idle.nextStop
  return (
    <section className="card stack" aria-labelledby="pod-autostop-heading">
      <h2 id="pod-autostop-heading">{t('autoStop.title')}</h2>
      <p className="small muted">
        {next
          ? t('autoStop.next', { time: dateTime(next.at, locale), kind: t(`autoStop.kind.${next.kind}`) })
          : t('autoStop.none')}
      </p>
      <form className="stack" onSubmit={submit} noValidate>
        <Field
          label={t('autoStop.idleTimeout')}
          hint={
            props.allowNever
              ? t('autoStop.idleHintNever', { max: props.maxTimeoutMinutes ?? '—' })
              : t('autoStop.idleHint', { max: props.maxTimeoutMinutes ?? '—' })
          }
          errors={errors.idleTimeoutMinutes}
        >
          <input
            type="number"
            min={1}
            inputMode="numeric"
            value={values.idleTimeout}
            onChange={(e) => onChange({ ...values, idleTimeout: e.target.value })}
          />
        </Field>
        <Field
          label={t('autoStop.maxRuntime')}
          hint={t('autoStop.maxRuntimeHint')}
          errors={errors.maxRuntimeMinutes}
        >
          <input
            type="number"
            min={1}
            inputMode="numeric"
            value={values.maxRuntime}
            onChange={(e) => onChange({ ...values, maxRuntime: e.target.value })}
          />
        </Field>
        <Field label={t('autoStop.stopAt')} hint={t('autoStop.stopAtHint')} errors={errors.stopAt}>
          <input
            type="datetime-local"
            value={values.stopAt}
            onChange={(e) => onChange({ ...values, stopAt: e.target.value })}
          />
        </Field>
        <div className="row">
          <Button type="submit" variant="primary" loading={props.saving}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </section>
  )
}

/** The auto-stop tab: the form wired to `PATCH /api/pods/:id/auto-stop`. */
export function PodAutoStop({ pod }: { pod: Pod }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const settings = useQuery(idleSettingsQuery())
  const [values, setValues] = useState(() => autoStopValues(pod))
  const [errors, setErrors] = useState<Record<string, string[]>>({})
  const save = useMutation({
    mutationFn: () => api.pods.setAutoStop(pod.podId, autoStopBody(values)),
    onSuccess: (updated) => {
      setErrors({})
      client.setQueryData(podKeys.detail(pod.podId), updated)
      void client.invalidateQueries({ queryKey: podKeys.all })
      toast.show({ tone: 'ok', title: t('autoStop.saved', { name: pod.podName }) })
    },
    onError: (error) => {
      setErrors(fieldErrors(error))
      toast.show({
        tone: 'bad',
        title: t('autoStop.saveFailed'),
        body: errorMessage(error, t('common.unexpectedError')),
      })
    },
  })
  if (settings.error) return <Alert tone="bad">{errorMessage(settings.error, t('common.loadFailed'))}</Alert>
  return (
    <PodAutoStopView
      pod={pod}
      allowNever={settings.data?.allowNever ?? false}
      maxTimeoutMinutes={settings.data?.maxTimeoutMinutes ?? null}
      values={values}
      onChange={setValues}
      onSave={() => save.mutate()}
      saving={save.isPending}
      errors={errors}
    />
  )
}
