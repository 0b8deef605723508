import type { CreatePodBody, FieldError } from '@neuropod/contracts'
import { ENV_NAME_PATTERN, IMAGE_REF_PATTERN } from '@neuropod/contracts'
import type { HttpServiceRecord, TcpServiceRecord, TemplateRow } from '../db/schema.js'
import { type Catalog, findGpu } from '../pricing/catalog.js'

/** Pure rules for a pod request. Every problem is collected, so the client can show them all at once. */

export const JUPYTER_PORT = 8888
/** Privileged ports a pod may expose: SSH, HTTP, HTTPS. */
const ALLOWED_PRIVILEGED = new Set([22, 80, 443])
const MAX_ENV_VARS = 100
const MAX_ENV_VALUE = 4096
const MAX_START_COMMAND = 4096
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/
const RESERVED_ENV = /^(NEUROPOD_|JUPYTER_TOKEN$)/

export interface NormalizedPod {
  name: string
  deploymentType: 'template' | 'docker'
  templateId: string | null
  templateName: string | null
  image: string
  gpu: string
  gpuCount: number
  containerDiskSize: number
  volumeDiskSize: number
  volumePath: string
  enableJupyter: boolean
  httpServices: Omit<HttpServiceRecord, 'status' | 'statusReason'>[]
  tcpServices: Omit<TcpServiceRecord, 'status' | 'host' | 'hostPort'>[]
  env: Record<string, string>
  startCommand: string | null
}

export interface ValidationContext {
  catalog: Catalog
  /** The template named by the request, null when none was named, 'missing' when it does not exist */
  template: TemplateRow | null | 'missing'
}

interface PortRequest {
  port: number
  serviceName: string | null
}

export function validatePodRequest(
  body: CreatePodBody,
  ctx: ValidationContext,
): { pod: NormalizedPod | null; problems: FieldError[] } {
  const problems: FieldError[] = []
  const problem = (field: string, message: string) => problems.push({ field, message })
  const { catalog } = ctx
  const limits = catalog.settings

  const name = body.name.trim()
  if (!name) problem('name', 'Name is required')
  else if (name.length > 50) problem('name', 'Name must be at most 50 characters')
  else if (CONTROL_CHARS.test(name)) problem('name', 'Name must not contain control characters')

  const deploymentType = body.deploymentType ?? (body.template ? 'template' : 'docker')
  const template = ctx.template === 'missing' ? null : ctx.template
  if (deploymentType === 'template') {
    if (!body.template) problem('template', 'Choose a template')
    else if (ctx.template === 'missing') problem('template', 'Template not found')
  }

  let image = ''
  if (deploymentType === 'docker') {
    image = (body.dockerImage ?? '').trim()
    if (!image) problem('dockerImage', 'Docker image is required')
    else if (image.length > 200 || !new RegExp(IMAGE_REF_PATTERN).test(image)) {
      problem(
        'dockerImage',
        'Not a valid image reference (e.g. ubuntu:22.04 or registry.example.org/team/image:tag)',
      )
    }
  } else if (template) image = template.docker_image

  const gpu = body.gpu.trim().toLowerCase()
  let gpuCount = 0
  if (!gpu) problem('gpu', 'GPU is required ("cpu" for none)')
  else if (gpu === 'cpu') {
    if (body.gpuCount !== undefined && body.gpuCount !== 0) problem('gpuCount', 'A CPU-only pod has no GPUs')
  } else {
    const type = findGpu(catalog, gpu)
    if (!type) problem('gpu', `Unknown GPU type "${body.gpu}"`)
    else if (!type.available) problem('gpu', `${type.name} is not available at the moment`)
    gpuCount = body.gpuCount ?? 1
    if (gpuCount < 1 || gpuCount > limits.gpu_count_max)
      problem('gpuCount', `GPU count must be between 1 and ${limits.gpu_count_max}`)
  }

  const containerDiskSize = body.containerDiskSize ?? template?.container_disk_size ?? 20
  if (
    !Number.isInteger(containerDiskSize) ||
    containerDiskSize < 1 ||
    containerDiskSize > limits.container_disk_max
  ) {
    problem('containerDiskSize', `Container disk must be between 1 and ${limits.container_disk_max} GB`)
  }
  const volumeDiskSize = body.volumeDiskSize ?? template?.volume_disk_size ?? 20
  if (!Number.isInteger(volumeDiskSize) || volumeDiskSize < 1 || volumeDiskSize > limits.volume_disk_max) {
    problem('volumeDiskSize', `Volume disk must be between 1 and ${limits.volume_disk_max} GB`)
  }

  const templateHttp = template
    ? (template.http_ports as unknown as { port: number; serviceName: string }[])
    : []
  const templateTcp = template
    ? (template.tcp_ports as unknown as { port: number; serviceName: string }[])
    : []
  const httpRequested =
    body.ports !== undefined ? parsePorts(body.ports, 'ports', problem) : templateHttp.map((p) => ({ ...p }))
  const tcpRequested =
    body.tcpPorts !== undefined
      ? parsePorts(body.tcpPorts, 'tcpPorts', problem)
      : templateTcp.map((p) => ({ ...p }))
  const enableJupyter = body.enableJupyter ?? template?.enable_jupyter ?? false
  if (enableJupyter && !httpRequested.some((p) => p.port === JUPYTER_PORT))
    httpRequested.push({ port: JUPYTER_PORT, serviceName: 'Jupyter Lab' })

  const seen = new Map<number, string>()
  const checkPorts = (list: PortRequest[], field: string) => {
    list.forEach((p, i) => {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)
        problem(`${field}.${i}`, `Port ${p.port} is outside 1–65535`)
      else if (p.port < 1024 && !ALLOWED_PRIVILEGED.has(p.port))
        problem(`${field}.${i}`, `Port ${p.port} is privileged; only 22, 80 and 443 are allowed below 1024`)
      if (seen.has(p.port))
        problem(`${field}.${i}`, `Port ${p.port} is listed twice (already in ${seen.get(p.port)})`)
      else seen.set(p.port, field)
    })
  }
  checkPorts(httpRequested, 'ports')
  checkPorts(tcpRequested, 'tcpPorts')
  if (httpRequested.length === 0) problem('ports', 'At least one HTTP port is required')
  if (httpRequested.length + tcpRequested.length > limits.ports_max) {
    problem('ports', `At most ${limits.ports_max} ports (HTTP + TCP) per pod`)
  }
  const nameFor = (
    p: PortRequest,
    templateList: { port: number; serviceName: string }[],
    i: number,
    kind: string,
  ) => {
    if (p.serviceName)
      return { serviceName: p.serviceName.trim(), isCustom: !templateList.some((t) => t.port === p.port) }
    const fromTemplate = templateList.find((t) => t.port === p.port)
    if (fromTemplate) return { serviceName: fromTemplate.serviceName, isCustom: false }
    if (kind === 'http' && p.port === JUPYTER_PORT && enableJupyter)
      return { serviceName: 'Jupyter Lab', isCustom: false }
    if (kind === 'tcp' && p.port === 22) return { serviceName: 'SSH', isCustom: false }
    return { serviceName: `Service ${i + 1}`, isCustom: true }
  }
  const httpServices = httpRequested.map((p, i) => ({
    port: p.port,
    ...nameFor(p, templateHttp, i, 'http'),
    access: 'private' as const,
    jupyter: enableJupyter && p.port === JUPYTER_PORT,
  }))
  const tcpServices = tcpRequested.map((p, i) => ({ port: p.port, ...nameFor(p, templateTcp, i, 'tcp') }))

  const env: Record<string, string> = { ...((template?.env as unknown as Record<string, string>) ?? {}) }
  for (const [key, value] of Object.entries(body.env ?? {})) {
    if (!new RegExp(ENV_NAME_PATTERN).test(key))
      problem(`env.${key}`, 'Variable names use letters, digits and _ and do not start with a digit')
    else if (RESERVED_ENV.test(key)) problem(`env.${key}`, `${key} is set by NeuroPod`)
    else if (value.length > MAX_ENV_VALUE)
      problem(`env.${key}`, `Value longer than ${MAX_ENV_VALUE} characters`)
    else if (value.includes('\u0000')) problem(`env.${key}`, 'Value must not contain NUL characters')
    else env[key] = value
  }
  if (Object.keys(env).length > MAX_ENV_VARS) problem('env', `At most ${MAX_ENV_VARS} variables`)

  const rawCommand = body.startCommand !== undefined ? body.startCommand : (template?.start_command ?? null)
  const startCommand = rawCommand?.trim() ? rawCommand : null
  if (startCommand && startCommand.length > MAX_START_COMMAND)
    problem('startCommand', `At most ${MAX_START_COMMAND} characters`)
  if (startCommand?.includes('\u0000')) problem('startCommand', 'Must not contain NUL characters')

  if (problems.length > 0) return { pod: null, problems }
  return {
    pod: {
      name,
      deploymentType,
      templateId: deploymentType === 'template' ? (template?.id ?? null) : null,
      templateName: deploymentType === 'template' ? (template?.name ?? null) : null,
      image,
      gpu,
      gpuCount,
      containerDiskSize,
      volumeDiskSize,
      volumePath: template?.volume_path ?? '/workspace',
      enableJupyter,
      httpServices,
      tcpServices,
      env,
      startCommand,
    },
    problems,
  }
}

/** Accepts the "8888, 7860" string existing API clients send or an array of numbers / {port, serviceName}. */
function parsePorts(
  input: NonNullable<CreatePodBody['ports']>,
  field: string,
  problem: (field: string, message: string) => void,
): PortRequest[] {
  if (typeof input === 'string') {
    const parts = input
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
    const out: PortRequest[] = []
    parts.forEach((part, i) => {
      if (!/^\d{1,5}$/.test(part)) problem(`${field}.${i}`, `"${part}" is not a port number`)
      else out.push({ port: Number(part), serviceName: null })
    })
    return out
  }
  return input.map((p) =>
    typeof p === 'number' ? { port: p, serviceName: null } : { port: p.port, serviceName: p.serviceName },
  )
}
