import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { api } from '../../api/api'
import { errorMessage, fieldErrors, isApiError } from '../../api/errors'
import { billingSummaryQuery } from '../../api/queries/billing'
import { podKeys } from '../../api/queries/pods'
import { gpusQuery, pricingQuery } from '../../api/queries/pricing'
import { templatesQuery } from '../../api/queries/templates'
import { volumesQuery } from '../../api/queries/volumes'
import type { Pod, User } from '../../api/types'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { DeployPageView } from './DeployPageView'
import { applyTemplate, type DeployForm, type FormErrors, initialForm, toBody, validate } from './deploy-form'

export function DeployPage({ me }: { me: User }) {
  const { t } = useT()
  const toast = useToast()
  const navigate = useNavigate()
  const client = useQueryClient()
  const [params] = useSearchParams()
  const pricing = useQuery(pricingQuery())
  const gpus = useQuery(gpusQuery())
  const templates = useQuery(templatesQuery())
  const volumes = useQuery(volumesQuery())
  const summary = useQuery({ ...billingSummaryQuery(), enabled: me.role === 'client' })
  const [form, setForm] = useState<DeployForm>(initialForm)
  const [errors, setErrors] = useState<FormErrors>({})
  const [submitError, setSubmitError] = useState<string | null>(null)
  const [touched, setTouched] = useState(false)

  // First visit: preselect the template from ?template= (or the first one) and a free GPU.
  const ready = pricing.data && gpus.data && templates.data
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once, when the catalog has loaded
  useEffect(() => {
    if (!ready || touched) return
    let next = form
    const wanted = params.get('template')
    const tpl = templates.data!.find((x) => x.id === wanted) ?? templates.data![0]
    if (tpl) next = applyTemplate(next, tpl, pricing.data!.limits)
    else next = { ...next, source: 'docker' }
    const gpu =
      gpus.data!.find((g) => g.available && (g.stock === null || g.stock.free > 0)) ??
      gpus.data!.find((g) => g.available)
    next = { ...next, gpu: gpu?.id ?? 'cpu' }
    setForm(next)
    setTouched(true)
  }, [ready])

  const change = (next: DeployForm) => {
    setForm(next)
    setTouched(true)
    // Problems clear as the user fixes them; they are checked again on submit.
    if (Object.keys(errors).length > 0) setErrors(validate(next, pricing.data, gpus.data, t))
    setSubmitError(null)
  }

  const create = useMutation({
    mutationFn: api.pods.create,
    onSuccess: (pod: Pod) => {
      if (pod.userId === me.id)
        client.setQueryData<Pod[]>(podKeys.own, (list) =>
          list && !list.some((p) => p.podId === pod.podId) ? [pod, ...list] : list,
        )
      void client.invalidateQueries({ queryKey: podKeys.adminAll })
      toast.show({
        tone: 'ok',
        title: t('deploy.created', { name: pod.podName }),
        body: form.assignTo ? t('deploy.createdFor', { email: form.assignTo }) : undefined,
      })
      void navigate(pod.userId === me.id ? '/pods' : `/admin/pods?user=${encodeURIComponent(pod.userEmail)}`)
    },
    onError: (error) => {
      const byField = fieldErrors(error)
      setErrors(byField)
      const fieldsShown = Object.keys(byField).length > 0
      setSubmitError(
        fieldsShown && isApiError(error) && error.code === 'VALIDATION_FAILED'
          ? null
          : errorMessage(error, t('deploy.failed')),
      )
    },
  })

  const submit = () => {
    const problems = validate(form, pricing.data, gpus.data, t)
    setErrors(problems)
    if (Object.keys(problems).length > 0) return
    create.mutate(toBody(form))
  }

  const loadError = pricing.error ?? gpus.error ?? templates.error
  return (
    <DeployPageView
      me={me}
      form={form}
      onChange={change}
      onPickTemplate={(tpl) => pricing.data && change(applyTemplate(form, tpl, pricing.data.limits))}
      pricing={pricing.data}
      gpus={gpus.data}
      templates={templates.data}
      volumes={volumes.data}
      loadError={loadError ? errorMessage(loadError, t('deploy.loadFailed')) : null}
      onRetry={() => {
        void pricing.refetch()
        void gpus.refetch()
        void templates.refetch()
      }}
      burnRate={summary.data?.burnRatePerHour ?? 0}
      errors={errors}
      submitError={submitError}
      submitting={create.isPending}
      onSubmit={submit}
    />
  )
}
