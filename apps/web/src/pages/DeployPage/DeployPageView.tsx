import type { FormEvent } from 'react'
import type { GpuInfo, Pricing, Template, User, Volume } from '../../api/types'
import { Button } from '../../components/Button'
import { ChipsInput } from '../../components/ChipsInput'
import { EnvEditor } from '../../components/EnvEditor'
import { Alert, Badge, LoadState } from '../../components/Feedback'
import { Field, FieldErrors } from '../../components/Field'
import { SliderField } from '../../components/SliderField'
import { useT } from '../../i18n'
import { duration, money } from '../../lib/format'
import { Markdown } from '../../lib/markdown'
import { JUPYTER_PORT } from '../../lib/ports'
import {
  addPort,
  CPU,
  type DeployForm,
  type FormErrors,
  hourlyCost,
  jupyterEnabled,
  setJupyter,
} from './deploy-form'
import { UserPicker } from './UserPicker'

export interface DeployPageViewProps {
  me: User
  form: DeployForm
  onChange: (form: DeployForm) => void
  onPickTemplate: (template: Template) => void
  pricing: Pricing | undefined
  gpus: GpuInfo[] | undefined
  templates: Template[] | undefined
  /** The user's volumes: a free one can be mounted instead of a new one */
  volumes?: Volume[]
  loadError: string | null
  onRetry: () => void
  /** Hourly rate already accruing on the user's other pods */
  burnRate: number
  errors: FormErrors
  submitError: string | null
  submitting: boolean
  onSubmit: () => void
}

function GpuCard({ gpu, selected, onSelect }: { gpu: GpuInfo; selected: boolean; onSelect: () => void }) {
  const { t, locale } = useT()
  const stock = gpu.stock
  return (
    <button
      type="button"
      className={`card selectable${selected ? ' selected' : ''}${gpu.available ? '' : ' disabled'}`}
      aria-pressed={selected}
      disabled={!gpu.available}
      onClick={onSelect}
      data-gpu={gpu.id}
    >
      <div className="card-title">
        <strong>{gpu.name}</strong>
        {!gpu.available ? (
          <Badge>{t('deploy.gpu.unavailable')}</Badge>
        ) : stock ? (
          <Badge tone={stock.free > 0 ? 'ok' : 'warn'}>
            {t('deploy.gpu.stock', { free: stock.free, total: stock.total })}
          </Badge>
        ) : (
          <Badge tone="ok">{t('deploy.gpu.available')}</Badge>
        )}
      </div>
      <div className="kpi-value" style={{ fontSize: '1.25rem' }}>
        {money(gpu.price, locale)}
        <span className="small muted"> {t('common.perHour')}</span>
      </div>
      <div className="small muted">
        {[
          gpu.specs.memory,
          gpu.specs.cores ? t('deploy.gpu.cores', { cores: gpu.specs.cores.toLocaleString(locale) }) : null,
          gpu.specs.performance,
        ]
          .filter(Boolean)
          .join(' · ')}
      </div>
      {gpu.available && stock && stock.free === 0 && <div className="small">{t('deploy.gpu.noneFree')}</div>}
      {gpu.available && !stock && <div className="small muted">{t('deploy.gpu.stockUnknown')}</div>}
    </button>
  )
}

interface Catalog {
  pricing: Pricing
  gpus: GpuInfo[]
  templates: Template[]
}

/** The form once the catalog (prices, GPUs, templates) is loaded: it is priced from all three. */
export function DeployPageView(props: DeployPageViewProps) {
  const { pricing, gpus, templates } = props
  const catalog = pricing && gpus && templates ? { pricing, gpus, templates } : undefined
  return (
    <LoadState data={catalog} error={props.loadError} onRetry={props.onRetry}>
      {(loaded) => <DeployFormView {...props} {...loaded} />}
    </LoadState>
  )
}

/** Mount an existing free volume or make a new one, and where to mount it. */
function VolumeChoice(props: {
  form: DeployForm
  volumes: Volume[] | undefined
  defaultPath: string
  errors: string[] | undefined
  set: (patch: Partial<DeployForm>) => void
}) {
  const { form, set, errors } = props
  const { t } = useT()
  return (
    <>
      <Field label={t('deploy.volume.choice')}>
        <select
          className="input"
          value={form.volumeId ?? ''}
          onChange={(e) => set({ volumeId: e.target.value === '' ? null : e.target.value })}
        >
          <option value="">{t('deploy.volume.new')}</option>
          {(props.volumes ?? [])
            .filter((v) => v.attachedPod === null && v.status === 'ready')
            .map((v) => (
              <option key={v.volumeId} value={v.volumeId}>
                {t('deploy.volume.existing', { name: v.name, size: v.sizeGb })}
              </option>
            ))}
        </select>
      </Field>
      <Field label={t('deploy.volume.mountPath')} errors={errors}>
        <input
          className="input mono"
          value={form.mountPath}
          maxLength={255}
          placeholder={props.defaultPath}
          onChange={(e) => set({ mountPath: e.target.value })}
        />
      </Field>
    </>
  )
}

function DeployFormView(props: DeployPageViewProps & Catalog) {
  const { me, form, onChange, pricing, gpus, templates, errors, burnRate } = props
  const { t, locale } = useT()
  const limits = pricing.limits
  const cost = hourlyCost(form, pricing, gpus)
  const template = templates.find((x) => x.id === form.templateId) ?? null
  const names = new Map<number, string>(
    [...(template?.httpPorts ?? []), ...(template?.tcpPorts ?? [])].map((p) => [p.port, p.serviceName]),
  )
  const unlimited = me.balance === 'Infinity' || (form.assignTo === null && me.role === 'admin')
  const balance = typeof me.balance === 'number' ? me.balance : 0
  const totalBurn = burnRate + (cost?.running ?? 0)
  const hoursCovered = totalBurn > 0 ? balance / totalBurn : null
  const minimum = (cost?.running ?? 0) * pricing.billing.minimumStartHours
  const short = !unlimited && form.assignTo === null && cost !== null && balance < minimum
  const set = (patch: Partial<DeployForm>) => onChange({ ...form, ...patch })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    props.onSubmit()
  }
  const errorCount = Object.values(errors).reduce((n, list) => n + list.length, 0)
  return (
    <form onSubmit={submit} noValidate aria-label={t('deploy.title')}>
      <div className="page-head">
        <div>
          <h1>{t('deploy.title')}</h1>
          <p>{t('deploy.subtitle')}</p>
        </div>
      </div>
      <div className="deploy-layout">
        <div className="stack" style={{ gap: '1rem', minWidth: 0 }}>
          <section className="card stack" aria-labelledby="gpu-heading">
            <h2 id="gpu-heading">{t('deploy.gpu.title')}</h2>
            <div className="grid">
              {gpus.map((g) => (
                <GpuCard
                  key={g.id}
                  gpu={g}
                  selected={form.gpu === g.id}
                  onSelect={() => set({ gpu: g.id })}
                />
              ))}
              <button
                type="button"
                className={`card selectable${form.gpu === CPU ? ' selected' : ''}`}
                aria-pressed={form.gpu === CPU}
                onClick={() => set({ gpu: CPU })}
                data-gpu="cpu"
              >
                <div className="card-title">
                  <strong>{t('deploy.gpu.cpuOnly')}</strong>
                </div>
                <div className="small muted">{t('deploy.gpu.cpuHint')}</div>
              </button>
            </div>
            <FieldErrors errors={errors.gpu} />
            {form.gpu && form.gpu !== CPU && limits.gpuCountMax > 1 && (
              <Field label={t('deploy.gpu.count')} errors={errors.gpuCount}>
                <input
                  className="input"
                  type="number"
                  min={1}
                  max={limits.gpuCountMax}
                  value={form.gpuCount}
                  style={{ maxWidth: '8rem' }}
                  onChange={(e) =>
                    set({ gpuCount: Math.min(limits.gpuCountMax, Math.max(1, Number(e.target.value) || 1)) })
                  }
                />
              </Field>
            )}
          </section>

          <section className="card stack" aria-labelledby="source-heading">
            <h2 id="source-heading">{t('deploy.source.title')}</h2>
            <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
              <legend className="sr-only">{t('deploy.source.title')}</legend>
              <label className="checkbox">
                <input
                  type="radio"
                  name="source"
                  checked={form.source === 'template'}
                  onChange={() => set({ source: 'template' })}
                />
                {t('deploy.source.template')}
              </label>
              <label className="checkbox">
                <input
                  type="radio"
                  name="source"
                  checked={form.source === 'docker'}
                  onChange={() => set({ source: 'docker' })}
                />
                {t('deploy.source.image')}
              </label>
            </fieldset>
            {form.source === 'template' ? (
              <>
                {templates.length === 0 && <Alert tone="info">{t('deploy.source.noTemplates')}</Alert>}
                <fieldset className="grid" style={{ border: 0, padding: 0, margin: 0 }}>
                  <legend className="sr-only">{t('deploy.source.template')}</legend>
                  {templates.map((tpl) => (
                    <label
                      key={tpl.id}
                      className={`card selectable${form.templateId === tpl.id ? ' selected' : ''}`}
                    >
                      <input
                        type="radio"
                        name="template"
                        className="sr-only"
                        checked={form.templateId === tpl.id}
                        onChange={() => props.onPickTemplate(tpl)}
                      />
                      <strong>{tpl.name}</strong>
                      <div className="small muted mono" style={{ wordBreak: 'break-all' }}>
                        {tpl.dockerImage}
                      </div>
                      <div className="small">
                        {tpl.httpPorts.map((p) => `${p.port} ${p.serviceName}`).join(' · ')}
                      </div>
                    </label>
                  ))}
                </fieldset>
                <FieldErrors errors={errors.template} />
                {template && (
                  <div className="card" style={{ boxShadow: 'none', background: 'var(--surface-2)' }}>
                    <span className="small muted">{t('deploy.source.about', { name: template.name })}</span>
                    {template.description ? (
                      <Markdown source={template.description} />
                    ) : (
                      <p className="muted">{t('deploy.source.noDescription')}</p>
                    )}
                  </div>
                )}
              </>
            ) : (
              <Field
                label={t('deploy.source.imageLabel')}
                hint={t('deploy.source.imageHint')}
                errors={errors.dockerImage}
              >
                <input
                  className="input mono"
                  value={form.dockerImage}
                  placeholder="pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"
                  onChange={(e) => set({ dockerImage: e.target.value })}
                  autoComplete="off"
                  spellCheck={false}
                />
              </Field>
            )}
          </section>

          <section className="card stack" aria-labelledby="config-heading">
            <h2 id="config-heading">{t('deploy.config.title')}</h2>
            <Field label={t('deploy.config.name')} hint={t('deploy.config.nameHint')} errors={errors.name}>
              <input
                className="input"
                value={form.name}
                maxLength={50}
                placeholder="my-notebook"
                onChange={(e) => set({ name: e.target.value })}
              />
            </Field>
            {me.role === 'admin' && (
              <UserPicker
                value={form.assignTo}
                onChange={(assignTo) => set({ assignTo })}
                errors={errors.assignToUser}
              />
            )}
            <SliderField
              label={t('deploy.config.containerDisk')}
              value={form.containerDiskSize}
              min={1}
              max={limits.containerDiskMax}
              unit="GB"
              onChange={(containerDiskSize) => set({ containerDiskSize })}
              aside={`${money(cost?.container ?? 0, locale, { precise: true })} ${t('common.perHour')} · ${t('deploy.config.whileRunning')}`}
              errors={errors.containerDiskSize}
            />
            <VolumeChoice
              form={form}
              volumes={props.volumes}
              defaultPath={template?.volumePath ?? '/workspace'}
              errors={errors.mountPath}
              set={set}
            />
            {form.volumeId === null && (
              <SliderField
                label={t('deploy.config.volumeDisk', { path: template?.volumePath ?? '/workspace' })}
                value={form.volumeDiskSize}
                min={1}
                max={limits.volumeDiskMax}
                unit="GB"
                onChange={(volumeDiskSize) => set({ volumeDiskSize })}
                aside={`${money(cost?.volume ?? 0, locale, { precise: true })} ${t('common.perHour')} · ${t('deploy.config.whileExists')}`}
                errors={errors.volumeDiskSize}
              />
            )}
            <label className="checkbox">
              <input
                type="checkbox"
                checked={jupyterEnabled(form)}
                onChange={(e) => onChange(setJupyter(form, e.target.checked))}
              />
              {t('deploy.config.jupyter', { port: JUPYTER_PORT })}
            </label>
            <ChipsInput
              label={t('deploy.config.httpPorts')}
              hint={t('deploy.config.httpHint', { max: limits.portsMax })}
              values={form.httpPorts}
              describe={(p) => names.get(p) ?? (p === JUPYTER_PORT ? 'Jupyter Lab' : undefined)}
              placeholder="7860"
              onAdd={(text) => {
                const r = addPort(form, 'http', text, t)
                if ('error' in r) return r.error
                onChange(r.form)
                return null
              }}
              onRemove={(p) => set({ httpPorts: form.httpPorts.filter((x) => x !== p) })}
              errors={errors.ports}
            />
            <ChipsInput
              label={t('deploy.config.tcpPorts')}
              hint={t('deploy.config.tcpHint')}
              values={form.tcpPorts}
              describe={(p) => names.get(p) ?? (p === 22 ? 'SSH' : undefined)}
              placeholder="22"
              onAdd={(text) => {
                const r = addPort(form, 'tcp', text, t)
                if ('error' in r) return r.error
                onChange(r.form)
                return null
              }}
              onRemove={(p) => set({ tcpPorts: form.tcpPorts.filter((x) => x !== p) })}
              errors={errors.tcpPorts}
            />
            <EnvEditor rows={form.env} onChange={(env) => set({ env })} errors={errors.env} placeholders />
            <Field
              label={t('deploy.config.idleTimeout')}
              hint={t('deploy.config.idleTimeoutHint')}
              errors={errors.idleTimeoutMinutes}
            >
              <input
                className="input"
                type="number"
                min={1}
                inputMode="numeric"
                value={form.idleTimeout}
                placeholder="60"
                onChange={(e) => set({ idleTimeout: e.target.value })}
              />
            </Field>
          </section>
        </div>

        <aside
          className="card stack"
          style={{ position: 'sticky', top: '1rem' }}
          aria-labelledby="summary-heading"
        >
          <h2 id="summary-heading">{t('deploy.summary.title')}</h2>
          <table className="small">
            <tbody>
              <tr>
                <td>
                  {form.gpu === CPU
                    ? t('deploy.gpu.cpuOnly')
                    : (gpus.find((g) => g.id === form.gpu)?.name ?? t('deploy.summary.noGpu'))}
                </td>
                <td className="num">{money(cost?.gpu ?? 0, locale, { precise: true })}</td>
              </tr>
              <tr>
                <td>{t('deploy.summary.container', { size: form.containerDiskSize })}</td>
                <td className="num">{money(cost?.container ?? 0, locale, { precise: true })}</td>
              </tr>
              <tr>
                <td>{t('deploy.summary.volume', { size: form.volumeDiskSize })}</td>
                <td className="num">{money(cost?.volume ?? 0, locale, { precise: true })}</td>
              </tr>
            </tbody>
          </table>
          <div className="row-between">
            <strong>{t('deploy.summary.total')}</strong>
            <strong className="kpi-value" data-testid="deploy-cost" style={{ fontSize: '1.35rem' }}>
              {money(cost?.running ?? 0, locale, { precise: true })}
              <span className="small muted"> {t('common.perHour')}</span>
            </strong>
          </div>
          <p className="small muted">
            {t('deploy.summary.stoppedCost', { cost: money(cost?.stopped ?? 0, locale, { precise: true }) })}
          </p>
          {unlimited ? (
            <p className="small">{t('deploy.summary.unlimited')}</p>
          ) : form.assignTo ? (
            <p className="small">{t('deploy.summary.assigned', { email: form.assignTo })}</p>
          ) : (
            <p className="small" data-testid="deploy-covers">
              {t('deploy.summary.balance', { balance: money(balance, locale) })}{' '}
              {hoursCovered !== null
                ? t('deploy.summary.covers', { time: duration(hoursCovered * 3600) })
                : ''}
            </p>
          )}
          {short && (
            <Alert tone="warn">
              {t('deploy.summary.short', {
                amount: money(minimum, locale),
                hours: pricing.billing.minimumStartHours,
              })}
            </Alert>
          )}
          {errorCount > 0 && <Alert tone="bad">{t('deploy.summary.problems', { count: errorCount })}</Alert>}
          {props.submitError && <Alert tone="bad">{props.submitError}</Alert>}
          <Button type="submit" variant="primary" size="lg" loading={props.submitting}>
            {t('deploy.submit')}
          </Button>
          <p className="small muted">{t('deploy.summary.billingNote')}</p>
        </aside>
      </div>
    </form>
  )
}
