import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { api } from '../../api/api'
import { errorMessage, fieldErrors } from '../../api/errors'
import { idleKeys, idleSettingsQuery } from '../../api/queries/idle'
import type { IdleSettings } from '../../api/types'
import { LoadState } from '../../components/Feedback'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { AdminIdleView, idleSettingsBody, idleSettingsValues } from './AdminIdleView'

function IdleSettingsEditor({ settings }: { settings: IdleSettings }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const [values, setValues] = useState(() => idleSettingsValues(settings))
  const [errors, setErrors] = useState<Record<string, string[]>>({})
  useEffect(() => setValues(idleSettingsValues(settings)), [settings])
  const save = useMutation({
    mutationFn: () => api.idle.updateSettings(idleSettingsBody(values)),
    onSuccess: (updated) => {
      setErrors({})
      client.setQueryData(idleKeys.settings, updated)
      toast.show({ tone: 'ok', title: t('adminIdle.saved') })
    },
    onError: (error) => {
      setErrors(fieldErrors(error))
      toast.show({
        tone: 'bad',
        title: t('adminIdle.saveFailed'),
        body: errorMessage(error, t('common.unexpectedError')),
      })
    },
  })
  return (
    <AdminIdleView
      updatedAt={settings.updatedAt}
      values={values}
      onChange={setValues}
      onSave={() => save.mutate()}
      saving={save.isPending}
      errors={errors}
    />
  )
}

/** `/admin/auto-stop`: the idle settings behind `GET`/`PUT /api/settings/idle`. */
export default function AdminIdlePage() {
  const { t } = useT()
  const query = useQuery({ ...idleSettingsQuery(), staleTime: 0 })
  return (
    <LoadState
      data={query.data}
      error={query.error ? errorMessage(query.error, t('common.loadFailed')) : null}
      onRetry={() => void query.refetch()}
    >
      {(settings) => <IdleSettingsEditor settings={settings} />}
    </LoadState>
  )
}
