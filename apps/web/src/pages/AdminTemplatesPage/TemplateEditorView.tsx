import { useState } from 'react'
import type { CreateTemplateBody, Template } from '../../api/types'
import type { ViewAction } from '../../api/view-state'
import { Button } from '../../components/Button'
import { Dialog } from '../../components/Dialog'
import { EnvEditor } from '../../components/EnvEditor'
import { Alert } from '../../components/Feedback'
import { Field, FieldErrors } from '../../components/Field'
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

export interface TemplateEditorViewProps {
  /** The template to edit, or null for a new one */
  template: Template | null
  save: ViewAction<CreateTemplateBody>
  onClose: () => void
}

/** The template form: checked here first, then by the server, each problem beside its field. */
export function TemplateEditorView({ template, save, onClose }: TemplateEditorViewProps) {
  const { t } = useT()
  const [form, setForm] = useState<TemplateForm>(() =>
    template ? templateToForm(template) : emptyTemplateForm(),
  )
  const [local, setLocal] = useState<Record<string, string[]>>({})
  const [preview, setPreview] = useState(false)
  const server = save.fieldErrors
  const errors = (field: string) => [...(local[field] ?? []), ...(server[field] ?? [])]
  const set = (patch: Partial<TemplateForm>) => {
    const next = { ...form, ...patch }
    setForm(next)
    if (Object.keys(local).length > 0) setLocal(validateTemplate(next, t))
  }
  const submit = () => {
    const problems = validateTemplate(form, t)
    setLocal(problems)
    if (Object.keys(problems).length === 0) void save.run(templateBody(form)).then((ok) => ok && onClose())
  }
  const generalError = save.error && Object.keys(server).length === 0 ? save.error : null
  return (
    <Dialog
      open
      wide
      onClose={onClose}
      title={template ? t('templates.editTitle', { name: template.name }) : t('templates.createTitle')}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button variant="primary" loading={save.pending} onClick={submit}>
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
