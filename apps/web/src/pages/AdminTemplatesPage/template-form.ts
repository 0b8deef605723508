import { ENV_NAME_PATTERN, IMAGE_REF_PATTERN } from '@neuropod/contracts/patterns'
import type { CreateTemplateBody, Template } from '../../api/types'
import type { MessageKey, Vars } from '../../i18n'

export interface PortRow {
  port: string
  serviceName: string
}
export interface TemplateForm {
  name: string
  dockerImage: string
  httpPorts: PortRow[]
  tcpPorts: PortRow[]
  containerDiskSize: string
  volumeDiskSize: string
  volumePath: string
  enableJupyter: boolean
  env: { key: string; value: string }[]
  startCommand: string
  description: string
}

export function emptyTemplateForm(): TemplateForm {
  return {
    name: '',
    dockerImage: '',
    httpPorts: [{ port: '8888', serviceName: 'Jupyter Lab' }],
    tcpPorts: [],
    containerDiskSize: '20',
    volumeDiskSize: '20',
    volumePath: '/workspace',
    enableJupyter: true,
    env: [],
    startCommand: '',
    description: '',
  }
}

export function templateToForm(t: Template): TemplateForm {
  const rows = (list: Template['httpPorts']) =>
    list.map((p) => ({ port: String(p.port), serviceName: p.serviceName }))
  return {
    name: t.name,
    dockerImage: t.dockerImage,
    httpPorts: rows(t.httpPorts),
    tcpPorts: rows(t.tcpPorts),
    containerDiskSize: String(t.containerDiskSize),
    volumeDiskSize: String(t.volumeDiskSize),
    volumePath: t.volumePath,
    enableJupyter: t.enableJupyter,
    env: Object.entries(t.env).map(([key, value]) => ({ key, value })),
    startCommand: t.startCommand ?? '',
    description: t.description,
  }
}

type Translate = (key: MessageKey, vars?: Vars) => string

export function validateTemplate(form: TemplateForm, t: Translate): Record<string, string[]> {
  const errors: Record<string, string[]> = {}
  const add = (field: string, message: string) => {
    errors[field] = [...(errors[field] ?? []), message]
  }
  if (!form.name.trim()) add('name', t('templates.error.name'))
  if (!new RegExp(IMAGE_REF_PATTERN).test(form.dockerImage.trim()))
    add('dockerImage', t('deploy.error.imageInvalid'))
  const seen = new Set<number>()
  const checkRows = (rows: PortRow[], field: 'httpPorts' | 'tcpPorts') => {
    for (const row of rows) {
      const port = Number(row.port)
      if (!/^\d+$/.test(row.port.trim()) || port < 1 || port > 65535)
        add(field, t('ports.range', { port: row.port }))
      else if (seen.has(port)) add(field, t('ports.duplicate', { port }))
      seen.add(port)
      if (!row.serviceName.trim()) add(field, t('templates.error.serviceName', { port: row.port }))
    }
  }
  checkRows(form.httpPorts, 'httpPorts')
  checkRows(form.tcpPorts, 'tcpPorts')
  if (form.httpPorts.length === 0) add('httpPorts', t('deploy.error.httpRequired'))
  for (const field of ['containerDiskSize', 'volumeDiskSize'] as const) {
    const n = Number(form[field])
    if (!Number.isInteger(n) || n < 1) add(field, t('templates.error.size'))
  }
  if (!/^\/(?:[A-Za-z0-9._-]+\/?)*$/.test(form.volumePath)) add('volumePath', t('templates.error.path'))
  for (const { key } of form.env)
    if (!new RegExp(ENV_NAME_PATTERN).test(key)) add('env', t('deploy.error.envName', { key: key || '""' }))
  return errors
}

export function templateBody(form: TemplateForm): CreateTemplateBody {
  const rows = (list: PortRow[]) =>
    list.map((r) => ({ port: Number(r.port), serviceName: r.serviceName.trim() }))
  return {
    name: form.name.trim(),
    dockerImage: form.dockerImage.trim(),
    httpPorts: rows(form.httpPorts),
    tcpPorts: rows(form.tcpPorts),
    containerDiskSize: Number(form.containerDiskSize),
    volumeDiskSize: Number(form.volumeDiskSize),
    volumePath: form.volumePath,
    enableJupyter: form.enableJupyter,
    env: Object.fromEntries(form.env.map((e) => [e.key, e.value])),
    startCommand: form.startCommand.trim() ? form.startCommand : null,
    description: form.description,
  }
}
