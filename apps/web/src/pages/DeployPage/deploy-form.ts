import { ENV_NAME_PATTERN, IMAGE_REF_PATTERN } from '@neuropod/contracts/patterns'
import type { CreatePodBody, GpuInfo, Pricing, Template } from '../../api/types'
import type { MessageKey, Vars } from '../../i18n'
import { checkPort, JUPYTER_PORT } from '../../lib/ports'

/** The deploy form's state and its pure rules: template choice, Jupyter ⇔ port 8888, limits, cost. */
export interface DeployForm {
  name: string
  source: 'template' | 'docker'
  templateId: string | null
  dockerImage: string
  gpu: string
  gpuCount: number
  containerDiskSize: number
  volumeDiskSize: number
  /** An existing volume of the user's to mount, or null for a new volume of volumeDiskSize GB */
  volumeId: string | null
  /** Where the volume is mounted; '' means the template's default */
  mountPath: string
  httpPorts: number[]
  tcpPorts: number[]
  env: { key: string; value: string }[]
  assignTo: string | null
  /** Idle timeout in minutes as typed; empty = the template's or the platform's default */
  idleTimeout: string
}

export type FormErrors = Record<string, string[]>
type Translate = (key: MessageKey, vars?: Vars) => string

export const CPU = 'cpu'

export function initialForm(): DeployForm {
  return {
    name: '',
    source: 'template',
    templateId: null,
    dockerImage: '',
    gpu: '',
    gpuCount: 1,
    containerDiskSize: 20,
    volumeDiskSize: 20,
    volumeId: null,
    mountPath: '',
    httpPorts: [JUPYTER_PORT],
    tcpPorts: [],
    env: [],
    assignTo: null,
    idleTimeout: '',
  }
}

const clamp = (n: number, max: number) => Math.min(max, Math.max(1, n))

/** Jupyter is on exactly when port 8888 is exposed: the checkbox and the chips cannot disagree. */
export const jupyterEnabled = (form: DeployForm) => form.httpPorts.includes(JUPYTER_PORT)

export function setJupyter(form: DeployForm, on: boolean): DeployForm {
  const without = form.httpPorts.filter((p) => p !== JUPYTER_PORT)
  return {
    ...form,
    httpPorts: on ? [...without, JUPYTER_PORT] : without,
    tcpPorts: form.tcpPorts.filter((p) => p !== JUPYTER_PORT),
  }
}

export function applyTemplate(form: DeployForm, template: Template, limits: Pricing['limits']): DeployForm {
  const http = template.httpPorts.map((p) => p.port)
  if (template.enableJupyter && !http.includes(JUPYTER_PORT)) http.push(JUPYTER_PORT)
  return {
    ...form,
    source: 'template',
    templateId: template.id,
    containerDiskSize: clamp(template.containerDiskSize, limits.containerDiskMax),
    volumeDiskSize: clamp(template.volumeDiskSize, limits.volumeDiskMax),
    httpPorts: http,
    tcpPorts: template.tcpPorts.map((p) => p.port).filter((p) => !http.includes(p)),
  }
}

/** Adds a port chip, or says why it cannot be added. */
export function addPort(
  form: DeployForm,
  kind: 'http' | 'tcp',
  text: string,
  t: Translate,
): { form: DeployForm } | { error: string } {
  const result = checkPort(text, [...form.httpPorts, ...form.tcpPorts])
  if ('problem' in result) return { error: t(`ports.${result.problem}`, { port: text.trim() }) }
  if (kind === 'http') return { form: { ...form, httpPorts: [...form.httpPorts, result.port] } }
  return { form: { ...form, tcpPorts: [...form.tcpPorts, result.port] } }
}

export function hourlyCost(form: DeployForm, pricing: Pricing | undefined, gpus: GpuInfo[] | undefined) {
  if (!pricing) return null
  const gpu = form.gpu && form.gpu !== CPU ? gpus?.find((g) => g.id === form.gpu) : undefined
  const gpuRate = gpu ? gpu.price * form.gpuCount : 0
  const container = pricing.storage.containerDisk.price * form.containerDiskSize
  const volume = pricing.storage.volumeDisk.price * form.volumeDiskSize
  return { gpu: gpuRate, container, volume, running: gpuRate + container + volume, stopped: volume }
}

export function validate(
  form: DeployForm,
  pricing: Pricing | undefined,
  gpus: GpuInfo[] | undefined,
  t: Translate,
): FormErrors {
  const errors: FormErrors = {}
  const add = (field: string, message: string) => {
    errors[field] = [...(errors[field] ?? []), message]
  }
  const name = form.name.trim()
  if (!name) add('name', t('deploy.error.nameRequired'))
  else if (name.length > 50) add('name', t('deploy.error.nameLength'))
  if (!form.gpu) add('gpu', t('deploy.error.gpuRequired'))
  else if (form.gpu !== CPU) {
    const gpu = gpus?.find((g) => g.id === form.gpu)
    if (gpus && !gpu) add('gpu', t('deploy.error.gpuUnknown'))
    else if (gpu && !gpu.available) add('gpu', t('deploy.error.gpuUnavailable', { name: gpu.name }))
  }
  if (form.source === 'template' && !form.templateId) add('template', t('deploy.error.templateRequired'))
  if (form.source === 'docker') {
    const image = form.dockerImage.trim()
    if (!image) add('dockerImage', t('deploy.error.imageRequired'))
    else if (!new RegExp(IMAGE_REF_PATTERN).test(image)) add('dockerImage', t('deploy.error.imageInvalid'))
  }
  if (form.httpPorts.length === 0) add('ports', t('deploy.error.httpRequired'))
  if (pricing && form.httpPorts.length + form.tcpPorts.length > pricing.limits.portsMax)
    add('ports', t('deploy.error.tooManyPorts', { max: pricing.limits.portsMax }))
  const names = new Set<string>()
  for (const { key } of form.env) {
    if (!new RegExp(ENV_NAME_PATTERN).test(key)) add('env', t('deploy.error.envName', { key: key || '""' }))
    else if (names.has(key)) add('env', t('deploy.error.envDuplicate', { key }))
    names.add(key)
  }
  return errors
}

export function toBody(form: DeployForm): CreatePodBody {
  const env = Object.fromEntries(form.env.map((e) => [e.key, e.value]))
  return {
    name: form.name.trim(),
    deploymentType: form.source,
    ...(form.source === 'template'
      ? { template: form.templateId ?? '' }
      : { dockerImage: form.dockerImage.trim() }),
    gpu: form.gpu,
    ...(form.gpu !== CPU ? { gpuCount: form.gpuCount } : {}),
    containerDiskSize: form.containerDiskSize,
    volumeDiskSize: form.volumeDiskSize,
    ...(form.volumeId ? { volumeId: form.volumeId } : {}),
    ...(form.mountPath.trim() !== '' ? { mountPath: form.mountPath.trim() } : {}),
    ports: form.httpPorts,
    tcpPorts: form.tcpPorts,
    enableJupyter: jupyterEnabled(form),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(form.assignTo ? { assignToUser: form.assignTo } : {}),
    ...(form.idleTimeout.trim() !== '' ? { idleTimeoutMinutes: Number(form.idleTimeout) } : {}),
  }
}
