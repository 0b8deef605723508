import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { api } from '../../api/api'
import { errorMessage, isApiError } from '../../api/errors'
import { pricingKeys, pricingQuery } from '../../api/queries/pricing'
import type { Pricing } from '../../api/types'
import { Button } from '../../components/Button'
import { ConfirmDialog } from '../../components/Dialog'
import { Alert, LoadState } from '../../components/Feedback'
import { Field, FieldErrors } from '../../components/Field'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { dateTime } from '../../lib/format'
import {
  type GpuRow,
  newGpuRow,
  type PricingForm,
  pricingBody,
  pricingToForm,
  validatePricing,
} from './pricing-form'

function PricingEditor({ pricing }: { pricing: Pricing }) {
  const { t, locale } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const [form, setForm] = useState<PricingForm>(() => pricingToForm(pricing))
  const [errors, setErrors] = useState<Record<string, string[]>>({})
  const [confirmReset, setConfirmReset] = useState(false)
  useEffect(() => setForm(pricingToForm(pricing)), [pricing])
  const saved = (message: string) => (p: Pricing) => {
    client.setQueryData(pricingKeys.full, p)
    void client.invalidateQueries({ queryKey: pricingKeys.all })
    toast.show({ tone: 'ok', title: message })
  }
  const save = useMutation({
    mutationFn: () => api.pricing.update(pricingBody(form)),
    onSuccess: saved(t('prices.saved')),
  })
  const reset = useMutation({
    mutationFn: api.pricing.reset,
    onSuccess: (p) => {
      saved(t('prices.resetDone'))(p)
      setConfirmReset(false)
    },
  })
  const set = (patch: Partial<PricingForm>) => setForm({ ...form, ...patch })
  const setGpu = (i: number, patch: Partial<GpuRow>) =>
    set({ gpus: form.gpus.map((g, j) => (j === i ? { ...g, ...patch } : g)) })
  const submit = () => {
    const problems = validatePricing(form, t)
    setErrors(problems)
    if (Object.keys(problems).length === 0) save.mutate()
  }
  const serverErrors = isApiError(save.error) ? save.error.errors : []
  const num = (field: keyof PricingForm, label: string, hint?: string) => (
    <Field label={label} hint={hint} errors={errors[field]}>
      <input
        className="input num"
        inputMode="decimal"
        value={String(form[field])}
        onChange={(e) => set({ [field]: e.target.value } as Partial<PricingForm>)}
      />
    </Field>
  )
  return (
    <form
      className="stack"
      style={{ gap: '1rem' }}
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        submit()
      }}
    >
      <Alert tone="info">{t('prices.note')}</Alert>
      <section className="card stack" aria-labelledby="gpus-heading">
        <h2 id="gpus-heading">{t('prices.gpus')}</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('prices.id')}</th>
                <th>{t('prices.name')}</th>
                <th>{t('prices.pricePerHour')}</th>
                <th>{t('prices.available')}</th>
                <th>{t('prices.memory')}</th>
                <th>{t('prices.cores')}</th>
                <th>{t('prices.performance')}</th>
                <th>
                  <span className="sr-only">{t('users.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {form.gpus.map((g, i) => (
                <tr key={g.isNew ? `new-${i}` : g.id} data-gpu-row={g.id}>
                  <td>
                    {g.isNew ? (
                      <input
                        className="input mono"
                        style={{ minWidth: '8rem' }}
                        aria-label={t('prices.idOf', { n: i + 1 })}
                        placeholder="rtx-5090"
                        value={g.id}
                        onChange={(e) => setGpu(i, { id: e.target.value.toLowerCase() })}
                      />
                    ) : (
                      <code>{g.id}</code>
                    )}
                    <FieldErrors errors={errors[`gpu.${i}`]} />
                  </td>
                  <td>
                    <input
                      className="input"
                      style={{ minWidth: '8rem' }}
                      aria-label={t('prices.nameOf', { id: g.id || String(i + 1) })}
                      value={g.name}
                      onChange={(e) => setGpu(i, { name: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      className="input num"
                      style={{ width: '6rem' }}
                      inputMode="decimal"
                      aria-label={t('prices.priceOf', { id: g.id || String(i + 1) })}
                      value={g.price}
                      onChange={(e) => setGpu(i, { price: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('prices.availableOf', { id: g.id || String(i + 1) })}
                      checked={g.available}
                      onChange={(e) => setGpu(i, { available: e.target.checked })}
                    />
                  </td>
                  <td>
                    <input
                      className="input"
                      style={{ width: '8rem' }}
                      aria-label={t('prices.memoryOf', { id: g.id || String(i + 1) })}
                      value={g.memory}
                      onChange={(e) => setGpu(i, { memory: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      className="input num"
                      style={{ width: '6rem' }}
                      inputMode="numeric"
                      aria-label={t('prices.coresOf', { id: g.id || String(i + 1) })}
                      value={g.cores}
                      onChange={(e) => setGpu(i, { cores: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      className="input"
                      style={{ width: '8rem' }}
                      aria-label={t('prices.performanceOf', { id: g.id || String(i + 1) })}
                      value={g.performance}
                      onChange={(e) => setGpu(i, { performance: e.target.value })}
                    />
                  </td>
                  <td>
                    <Button
                      size="sm"
                      variant="danger"
                      aria-label={t('prices.removeOf', { id: g.id || String(i + 1) })}
                      onClick={() =>
                        set({
                          gpus: form.gpus.filter((_, j) => j !== i),
                          removed: g.isNew ? form.removed : [...form.removed, g.id],
                        })
                      }
                    >
                      {t('prices.remove')}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="row">
          <Button size="sm" onClick={() => set({ gpus: [...form.gpus, newGpuRow()] })}>
            {t('prices.addGpu')}
          </Button>
          {form.removed.length > 0 && (
            <span className="small muted">{t('prices.willRemove', { ids: form.removed.join(', ') })}</span>
          )}
        </div>
      </section>
      <div className="grid-2">
        <section className="card stack" aria-labelledby="storage-heading">
          <h2 id="storage-heading">{t('prices.storage')}</h2>
          {num('containerPrice', t('prices.containerPrice'), t('prices.containerPriceHint'))}
          {num('volumePrice', t('prices.volumePrice'), t('prices.volumePriceHint'))}
        </section>
        <section className="card stack" aria-labelledby="limits-heading">
          <h2 id="limits-heading">{t('prices.limits')}</h2>
          {num('containerDiskMax', t('prices.containerDiskMax'))}
          {num('volumeDiskMax', t('prices.volumeDiskMax'))}
          {num('portsMax', t('prices.portsMax'))}
          {num('podsPerUser', t('prices.podsPerUser'))}
          {num('gpuCountMax', t('prices.gpuCountMax'))}
        </section>
        <section className="card stack" aria-labelledby="billing-heading">
          <h2 id="billing-heading">{t('prices.billing')}</h2>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.freeTierEnabled}
              onChange={(e) => set({ freeTierEnabled: e.target.checked })}
            />
            {t('prices.freeTier')}
          </label>
          {num('initialBalance', t('prices.initialBalance'), t('prices.initialBalanceHint'))}
          {num('lowBalanceThresholdHours', t('prices.lowBalance'), t('prices.lowBalanceHint'))}
          {num('minimumStartHours', t('prices.minimumStart'), t('prices.minimumStartHint'))}
        </section>
      </div>
      {serverErrors.length > 0 && (
        <Alert tone="bad">
          <ul style={{ margin: 0 }}>
            {serverErrors.map((e) => (
              <li key={`${e.field}-${e.message}`}>
                <code>{e.field}</code>: {e.message}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {save.error && serverErrors.length === 0 && (
        <Alert tone="bad">{errorMessage(save.error, t('common.unexpectedError'))}</Alert>
      )}
      <div className="row">
        <Button type="submit" variant="primary" loading={save.isPending}>
          {t('prices.save')}
        </Button>
        <Button onClick={() => setForm(pricingToForm(pricing))}>{t('prices.discard')}</Button>
        <span className="spacer" />
        <Button variant="danger" onClick={() => setConfirmReset(true)}>
          {t('prices.reset')}
        </Button>
      </div>
      {pricing.updatedAt && (
        <p className="small muted">
          {t('prices.lastUpdate', {
            when: dateTime(pricing.updatedAt, locale),
            who: pricing.updatedByEmail ?? pricing.updatedBy ?? '—',
          })}
        </p>
      )}
      <ConfirmDialog
        open={confirmReset}
        danger
        title={t('prices.resetTitle')}
        confirmLabel={t('prices.reset')}
        pending={reset.isPending}
        error={reset.error ? errorMessage(reset.error, t('common.unexpectedError')) : null}
        onConfirm={() => reset.mutate()}
        onCancel={() => setConfirmReset(false)}
      >
        <p>{t('prices.resetBody')}</p>
      </ConfirmDialog>
    </form>
  )
}

export default function AdminPricingPage() {
  const { t } = useT()
  const query = useQuery(pricingQuery())
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('prices.title')}</h1>
          <p>{t('prices.subtitle')}</p>
        </div>
      </div>
      <LoadState
        data={query.data}
        error={query.error ? errorMessage(query.error, t('common.loadFailed')) : null}
        onRetry={() => void query.refetch()}
      >
        {(pricing) => <PricingEditor pricing={pricing} />}
      </LoadState>
    </>
  )
}
