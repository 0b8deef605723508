import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api } from '../../api/api'
import { errorMessage, fieldErrors } from '../../api/errors'
import { templateKeys, templatesQuery } from '../../api/queries/templates'
import type { Template } from '../../api/types'
import { Button } from '../../components/Button'
import { ConfirmDialog, Dialog } from '../../components/Dialog'
import { EnvEditor } from '../../components/EnvEditor'
import { Alert, Badge, Empty, LoadError, Loading } from '../../components/Feedback'
import { Field, FieldErrors } from '../../components/Field'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { Markdown } from '../../lib/markdown'
import {
  emptyTemplateForm,
  type PortRow,
  type TemplateForm,
  templateBody,
  templateToForm,
  validateTemplate,
} from './template-form'

function PortRows({
  label,
  rows,
  onChange,
  errors,
}: {
  label: string
  rows: PortRow[]
  onChange: (rows: PortRow[]) => void
  errors?: string[]
}) {
  const { t } = useT()
  return (
    <fieldset className="stack" style={{ border: 0, padding: 0, margin: 0, gap: '0.4rem' }}>
      <legend className="label">{label}</legend>
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
        <div className="row" key={i} style={{ flexWrap: 'nowrap' }}>
          <input
            className="input num"
            style={{ width: '7rem' }}
            inputMode="numeric"
            aria-label={t('templates.portN', { label, n: i + 1 })}
            value={row.port}
            onChange={(e) => onChange(rows.map((r, j) => (j === i ? { ...r, port: e.target.value } : r)))}
          />
          <input
            className="input"
            aria-label={t('templates.serviceN', { label, n: i + 1 })}
            placeholder={t('templates.serviceName')}
            value={row.serviceName}
            onChange={(e) =>
              onChange(rows.map((r, j) => (j === i ? { ...r, serviceName: e.target.value } : r)))
            }
          />
          <Button
            size="sm"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={t('templates.removePort', { n: i + 1 })}
          >
            ×
          </Button>
        </div>
      ))}
      <div>
        <Button size="sm" onClick={() => onChange([...rows, { port: '', serviceName: '' }])}>
          {t('templates.addPort')}
        </Button>
      </div>
      <FieldErrors errors={errors} />
    </fieldset>
  )
}

function TemplateEditor({ template, onClose }: { template: Template | null; onClose: () => void }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const [form, setForm] = useState<TemplateForm>(() =>
    template ? templateToForm(template) : emptyTemplateForm(),
  )
  const [local, setLocal] = useState<Record<string, string[]>>({})
  const [preview, setPreview] = useState(false)
  const save = useMutation({
    mutationFn: () =>
      template
        ? api.templates.update(template.id, templateBody(form))
        : api.templates.create(templateBody(form)),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: templateKeys.all })
      toast.show({
        tone: 'ok',
        title: template
          ? t('templates.updated', { name: saved.name })
          : t('templates.created', { name: saved.name }),
      })
      onClose()
    },
  })
  const server = fieldErrors(save.error)
  const errors = (field: string) => [...(local[field] ?? []), ...(server[field] ?? [])]
  const set = (patch: Partial<TemplateForm>) => {
    const next = { ...form, ...patch }
    setForm(next)
    if (Object.keys(local).length > 0) setLocal(validateTemplate(next, t))
  }
  const submit = () => {
    const problems = validateTemplate(form, t)
    setLocal(problems)
    if (Object.keys(problems).length === 0) save.mutate()
  }
  const generalError =
    save.error && Object.keys(server).length === 0
      ? errorMessage(save.error, t('common.unexpectedError'))
      : null
  return (
    <Dialog
      open
      wide
      onClose={onClose}
      title={template ? t('templates.editTitle', { name: template.name }) : t('templates.createTitle')}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" loading={save.isPending} onClick={submit}>
            {template ? t('common.save') : t('templates.create')}
          </Button>
        </>
      }
    >
      <form
        className="stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          submit()
        }}
      >
        <div className="grid-2">
          <Field label={t('templates.name')} errors={errors('name')}>
            <input
              className="input"
              value={form.name}
              maxLength={100}
              onChange={(e) => set({ name: e.target.value })}
            />
          </Field>
          <Field label={t('deploy.source.imageLabel')} errors={errors('dockerImage')}>
            <input
              className="input mono"
              value={form.dockerImage}
              placeholder="jupyter/base-notebook:latest"
              onChange={(e) => set({ dockerImage: e.target.value })}
              spellCheck={false}
            />
          </Field>
        </div>
        <div className="grid-2">
          <PortRows
            label={t('deploy.config.httpPorts')}
            rows={form.httpPorts}
            onChange={(httpPorts) => set({ httpPorts })}
            errors={errors('httpPorts')}
          />
          <PortRows
            label={t('deploy.config.tcpPorts')}
            rows={form.tcpPorts}
            onChange={(tcpPorts) => set({ tcpPorts })}
            errors={errors('tcpPorts')}
          />
        </div>
        <div className="grid-2">
          <Field label={t('templates.containerDisk')} errors={errors('containerDiskSize')}>
            <input
              className="input num"
              inputMode="numeric"
              value={form.containerDiskSize}
              onChange={(e) => set({ containerDiskSize: e.target.value })}
            />
          </Field>
          <Field label={t('templates.volumeDisk')} errors={errors('volumeDiskSize')}>
            <input
              className="input num"
              inputMode="numeric"
              value={form.volumeDiskSize}
              onChange={(e) => set({ volumeDiskSize: e.target.value })}
            />
          </Field>
          <Field label={t('templates.volumePath')} errors={errors('volumePath')}>
            <input
              className="input mono"
              value={form.volumePath}
              onChange={(e) => set({ volumePath: e.target.value })}
            />
          </Field>
          <Field
            label={t('templates.startCommand')}
            hint={t('templates.startCommandHint')}
            errors={errors('startCommand')}
          >
            <input
              className="input mono"
              value={form.startCommand}
              onChange={(e) => set({ startCommand: e.target.value })}
            />
          </Field>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.enableJupyter}
            onChange={(e) => set({ enableJupyter: e.target.checked })}
          />
          {t('templates.jupyter')}
        </label>
        <EnvEditor rows={form.env} onChange={(env) => set({ env })} errors={errors('env')} />
        <div className="field">
          <div className="row-between">
            <label htmlFor="tpl-description">{t('templates.description')}</label>
            <Button size="sm" variant="ghost" onClick={() => setPreview(!preview)} aria-pressed={preview}>
              {preview ? t('templates.edit') : t('templates.preview')}
            </Button>
          </div>
          {preview ? (
            <div className="card" style={{ boxShadow: 'none' }}>
              <Markdown source={form.description || t('deploy.source.noDescription')} />
            </div>
          ) : (
            <textarea
              id="tpl-description"
              className="input"
              rows={7}
              maxLength={5000}
              value={form.description}
              placeholder={'## My template\nWhat it runs and how to use it.'}
              onChange={(e) => set({ description: e.target.value })}
            />
          )}
          <FieldErrors errors={errors('description')} />
        </div>
        {generalError && <Alert tone="bad">{generalError}</Alert>}
        <button type="submit" hidden />
      </form>
    </Dialog>
  )
}

export function TemplateCard({
  template,
  onEdit,
  onDelete,
}: {
  template: Template
  onEdit: () => void
  onDelete: () => void
}) {
  const { t } = useT()
  return (
    <article className="card stack" data-template={template.name}>
      <div className="card-title">
        <h3 style={{ margin: 0 }}>{template.name}</h3>
        <Badge>{t('templates.podCount', { count: template.podCount })}</Badge>
      </div>
      <code className="small" style={{ wordBreak: 'break-all' }}>
        {template.dockerImage}
      </code>
      <div className="small">
        <div>HTTP: {template.httpPorts.map((p) => `${p.port} (${p.serviceName})`).join(', ')}</div>
        {template.tcpPorts.length > 0 && (
          <div>TCP: {template.tcpPorts.map((p) => `${p.port} (${p.serviceName})`).join(', ')}</div>
        )}
        <div className="muted">
          {t('pod.disks', {
            container: template.containerDiskSize,
            volume: template.volumeDiskSize,
            path: template.volumePath,
          })}
        </div>
      </div>
      {template.description && (
        <details>
          <summary className="small">{t('templates.description')}</summary>
          <Markdown source={template.description} />
        </details>
      )}
      <div className="row">
        <Link className="btn btn-sm btn-primary" to={`/deploy?template=${encodeURIComponent(template.id)}`}>
          {t('templates.deploy')}
        </Link>
        <Button size="sm" onClick={onEdit} aria-label={t('templates.editTitle', { name: template.name })}>
          {t('templates.edit')}
        </Button>
        <Button
          size="sm"
          variant="danger"
          onClick={onDelete}
          aria-label={t('templates.deleteTitle', { name: template.name })}
        >
          {t('templates.delete')}
        </Button>
      </div>
    </article>
  )
}

export default function AdminTemplatesPage() {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const query = useQuery(templatesQuery())
  const [editing, setEditing] = useState<Template | 'new' | null>(null)
  const [deleting, setDeleting] = useState<Template | null>(null)
  const remove = useMutation({
    mutationFn: (tpl: Template) => api.templates.remove(tpl.id),
    onSuccess: (_r, tpl) => {
      void client.invalidateQueries({ queryKey: templateKeys.all })
      toast.show({ tone: 'ok', title: t('templates.deleted', { name: tpl.name }) })
      setDeleting(null)
    },
  })
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('templates.title')}</h1>
          <p>{t('templates.subtitle')}</p>
        </div>
        <Button variant="primary" onClick={() => setEditing('new')}>
          {t('templates.create')}
        </Button>
      </div>
      {query.error ? (
        <LoadError
          message={errorMessage(query.error, t('common.loadFailed'))}
          onRetry={() => void query.refetch()}
        />
      ) : !query.data ? (
        <Loading />
      ) : query.data.length === 0 ? (
        <Empty title={t('templates.none')} />
      ) : (
        <div className="grid-2">
          {query.data.map((tpl) => (
            <TemplateCard
              key={tpl.id}
              template={tpl}
              onEdit={() => setEditing(tpl)}
              onDelete={() => setDeleting(tpl)}
            />
          ))}
        </div>
      )}
      {editing && (
        <TemplateEditor template={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
      <ConfirmDialog
        open={deleting !== null}
        danger
        title={t('templates.deleteTitle', { name: deleting?.name ?? '' })}
        confirmLabel={t('templates.delete')}
        pending={remove.isPending}
        error={remove.error ? errorMessage(remove.error, t('common.unexpectedError')) : null}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onCancel={() => {
          setDeleting(null)
          remove.reset()
        }}
      >
        <p>{t('templates.deleteBody', { count: deleting?.podCount ?? 0 })}</p>
      </ConfirmDialog>
    </>
  )
}
