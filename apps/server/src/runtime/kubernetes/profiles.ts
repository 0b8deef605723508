import { GPU_TYPE_NODE_LABEL, isDns1123Subdomain, isLabelValue, isQualifiedKey } from './names.js'

/**
 * Scheduling and resources of a pod on Kubernetes, per GPU type (NEUROPOD_K8S_PROFILES).
 *
 * The price catalog names GPU types (`rtx-4090`); the cluster knows nodes. A profile maps one to
 * the other: which nodes offer the type (node selector, tolerations, runtime class), which
 * extended resource counts its devices, and how much CPU and memory a pod gets. GPU profiles give
 * CPU and memory **per GPU** (a 2-GPU pod gets twice as much); the `cpu` profile is for pods
 * without a GPU. A GPU type without its own profile uses `default`, with the node selector
 * `neuropod.io/gpu-type=<type id>` unless `default` names one, so labelling a node is enough:
 * `kubectl label node gpu-1 neuropod.io/gpu-type=rtx-4090`.
 *
 * This module is pure and does not import the Kubernetes client: config.ts parses profiles with it.
 */

export interface Toleration {
  key?: string
  operator?: 'Exists' | 'Equal'
  value?: string
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'
  tolerationSeconds?: number
}

export interface ResourceProfile {
  /** CPU request and limit (Kubernetes quantities, e.g. "500m", "4") */
  cpu: string
  cpuLimit: string
  /** Memory request and limit (e.g. "4Gi") */
  memory: string
  memoryLimit: string
  /** Size of the memory-backed /dev/shm (PyTorch data loaders need more than the default 64 MB) */
  shmSize: string
  /** Null = the GPU type's default selector (`neuropod.io/gpu-type=<id>`); ignored for `cpu` */
  nodeSelector: Record<string, string> | null
  tolerations: Toleration[]
  /** Extended resource of one device, e.g. nvidia.com/gpu or a MIG profile nvidia.com/mig-1g.10gb */
  resourceName: string
  /** e.g. "nvidia" on k3s, where the NVIDIA container runtime is a RuntimeClass */
  runtimeClassName: string | null
  /** A scheduler other than the default, e.g. "hami-scheduler" for HAMi; null = the default one */
  schedulerName: string | null
  /**
   * More extended resources per GPU, as quantities, in requests and limits next to the device
   * count: HAMi's `nvidia.com/gpumem` (MiB of device memory per GPU) and `nvidia.com/gpucores`
   * (percent of a GPU's cores). Not multiplied by the GPU count: HAMi reads them per device.
   */
  extraResources: Record<string, string>
}

export interface KubernetesProfiles {
  cpu: ResourceProfile
  default: ResourceProfile
  gpuTypes: Record<string, ResourceProfile>
}

const GPU_TOLERATION: Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }

export const DEFAULT_PROFILES: KubernetesProfiles = {
  cpu: {
    cpu: '500m',
    cpuLimit: '2',
    memory: '1Gi',
    memoryLimit: '4Gi',
    shmSize: '256Mi',
    nodeSelector: null,
    tolerations: [],
    resourceName: 'nvidia.com/gpu',
    runtimeClassName: null,
    schedulerName: null,
    extraResources: {},
  },
  default: {
    cpu: '2',
    cpuLimit: '8',
    memory: '8Gi',
    memoryLimit: '16Gi',
    shmSize: '2Gi',
    nodeSelector: null,
    tolerations: [GPU_TOLERATION],
    resourceName: 'nvidia.com/gpu',
    runtimeClassName: null,
    schedulerName: null,
    extraResources: {},
  },
  gpuTypes: {},
}

export interface ResolvedProfile extends ResourceProfile {
  nodeSelector: Record<string, string>
}

/** The profile a pod gets, with CPU and memory scaled by its GPU count and its node selector resolved. */
export function resolveProfile(
  profiles: KubernetesProfiles,
  gpu: { type: string; count: number } | null,
): ResolvedProfile {
  if (!gpu) return { ...profiles.cpu, nodeSelector: profiles.cpu.nodeSelector ?? {} }
  const base = profiles.gpuTypes[gpu.type] ?? profiles.default
  const n = Math.max(1, gpu.count)
  return {
    ...base,
    cpu: scaleCpu(base.cpu, n),
    cpuLimit: scaleCpu(base.cpuLimit, n),
    memory: scaleMemory(base.memory, n),
    memoryLimit: scaleMemory(base.memoryLimit, n),
    nodeSelector: gpuNodeSelector(profiles, gpu.type),
  }
}

/** Which nodes offer a GPU type. */
export function gpuNodeSelector(profiles: KubernetesProfiles, gpuType: string): Record<string, string> {
  const base = profiles.gpuTypes[gpuType] ?? profiles.default
  return base.nodeSelector ?? { [GPU_TYPE_NODE_LABEL]: gpuType }
}

// ---------------------------------------------------------------- quantities

const CPU = /^(\d+(?:\.\d+)?)(m?)$/
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/
const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
}

/** "1.5" → 1500, "250m" → 250 (millicores); null when not a CPU quantity. */
export function parseCpu(q: string): number | null {
  const m = CPU.exec(q.trim())
  if (!m) return null
  return Math.round(Number(m[1]) * (m[2] === 'm' ? 1 : 1000))
}

/** "4Gi" → bytes; null when not a memory quantity. */
export function parseMemory(q: string): number | null {
  const m = MEMORY.exec(q.trim())
  if (!m) return null
  return Math.round(Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!)
}

/** Quantities as metrics.k8s.io reports them: cpu "123456789n", "250m", "2"; memory "1024Ki". */
export function parseCpuUsage(q: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(q.trim())
  if (!m) return null
  const factor = m[2] === 'n' ? 1e-6 : m[2] === 'u' ? 1e-3 : m[2] === 'm' ? 1 : 1000
  return Number(m[1]) * factor
}

export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`
}

export function formatMemory(bytes: number): string {
  for (const unit of ['Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const size = MEMORY_UNITS[unit]!
    if (bytes % size === 0) return `${bytes / size}${unit}`
  }
  return String(bytes)
}

function scaleCpu(q: string, n: number): string {
  return n === 1 ? q : formatCpu(parseCpu(q)! * n)
}

function scaleMemory(q: string, n: number): string {
  return n === 1 ? q : formatMemory(parseMemory(q)! * n)
}

// ---------------------------------------------------------------- parsing NEUROPOD_K8S_PROFILES

const GPU_TYPE_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
const PROFILE_KEYS = new Set([
  'cpu',
  'cpuLimit',
  'memory',
  'memoryLimit',
  'shmSize',
  'nodeSelector',
  'tolerations',
  'resourceName',
  'runtimeClassName',
  'schedulerName',
  'extraResources',
])

/**
 * Parses the JSON of NEUROPOD_K8S_PROFILES, e.g.
 * `{"cpu":{"memory":"2Gi"},"rtx-4090":{"nodeSelector":{"nvidia.com/gpu.product":"NVIDIA-GeForce-RTX-4090"},"cpu":"4"}}`.
 * Each entry overrides only the fields it names: `cpu` and `default` over the built-in defaults,
 * GPU types over `default`. Returns every problem found, or the profiles.
 */
export function parseProfiles(json: string): { profiles: KubernetesProfiles } | { problems: string[] } {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    return { problems: ['is not valid JSON'] }
  }
  if (!isObject(raw))
    return { problems: ['must be a JSON object keyed by "cpu", "default" or a GPU type id'] }
  const problems: string[] = []
  const cpu = mergeProfile(DEFAULT_PROFILES.cpu, raw.cpu, 'cpu', problems)
  const fallback = mergeProfile(DEFAULT_PROFILES.default, raw.default, 'default', problems)
  const gpuTypes: Record<string, ResourceProfile> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'cpu' || key === 'default') continue
    if (!GPU_TYPE_ID.test(key)) {
      problems.push(
        `key ${JSON.stringify(key)} is neither "cpu", "default" nor a GPU type id such as rtx-4090`,
      )
      continue
    }
    gpuTypes[key] = mergeProfile(fallback, value, key, problems)
  }
  return problems.length > 0 ? { problems } : { profiles: { cpu, default: fallback, gpuTypes } }
}

function mergeProfile(
  base: ResourceProfile,
  value: unknown,
  where: string,
  problems: string[],
): ResourceProfile {
  if (value === undefined) return base
  if (!isObject(value)) {
    problems.push(`${where} must be an object`)
    return base
  }
  const out: ResourceProfile = { ...base }
  const bad = (field: string, rule: string) => problems.push(`${where}.${field} ${rule}`)
  for (const key of Object.keys(value))
    if (!PROFILE_KEYS.has(key)) bad(key, `is not a profile field (${[...PROFILE_KEYS].join(', ')})`)
  for (const field of ['cpu', 'cpuLimit'] as const) {
    const v = value[field]
    if (v === undefined) continue
    if (typeof v !== 'string' || parseCpu(v) === null || parseCpu(v)! <= 0)
      bad(field, 'must be a CPU quantity such as "500m" or "4"')
    else out[field] = v
  }
  for (const field of ['memory', 'memoryLimit', 'shmSize'] as const) {
    const v = value[field]
    if (v === undefined) continue
    if (typeof v !== 'string' || parseMemory(v) === null || parseMemory(v)! <= 0)
      bad(field, 'must be a memory quantity such as "512Mi" or "16Gi"')
    else out[field] = v
  }
  if (parseCpu(out.cpu)! > parseCpu(out.cpuLimit)!) bad('cpu', 'must not exceed cpuLimit')
  if (parseMemory(out.memory)! > parseMemory(out.memoryLimit)!) bad('memory', 'must not exceed memoryLimit')
  if (value.nodeSelector !== undefined) {
    const sel = value.nodeSelector
    if (
      !isObject(sel) ||
      !Object.entries(sel).every(([k, v]) => isQualifiedKey(k) && typeof v === 'string' && isLabelValue(v))
    )
      bad('nodeSelector', 'must map node label keys to label values')
    else out.nodeSelector = sel as Record<string, string>
  }
  if (value.tolerations !== undefined) {
    const list = value.tolerations
    if (!Array.isArray(list) || !list.every(isToleration))
      bad(
        'tolerations',
        'must be a list of {key, operator: Exists|Equal, value, effect: NoSchedule|PreferNoSchedule|NoExecute}',
      )
    else out.tolerations = list
  }
  if (value.resourceName !== undefined) {
    const v = value.resourceName
    if (typeof v !== 'string' || !v.includes('/') || !isQualifiedKey(v))
      bad('resourceName', 'must be an extended resource name such as nvidia.com/gpu')
    else out.resourceName = v
  }
  if (value.runtimeClassName !== undefined) {
    const v = value.runtimeClassName
    if (v !== null && (typeof v !== 'string' || !isDns1123Subdomain(v)))
      bad('runtimeClassName', 'must be the name of a RuntimeClass or null')
    else out.runtimeClassName = v
  }
  mergeScheduling(out, value, bad)
  return out
}

const EXTENDED_QUANTITY = /^\d+(?:\.\d+)?(?:m|k|M|G|T|Ki|Mi|Gi|Ti)?$/

/** schedulerName and extraResources (HAMi and other device plugins that count more than devices). */
function mergeScheduling(
  out: ResourceProfile,
  value: Record<string, unknown>,
  bad: (field: string, rule: string) => void,
): void {
  if (value.schedulerName !== undefined) {
    const v = value.schedulerName
    if (v !== null && (typeof v !== 'string' || !isDns1123Subdomain(v)))
      bad('schedulerName', 'must be the name of a scheduler (e.g. hami-scheduler) or null')
    else out.schedulerName = v
  }
  if (value.extraResources !== undefined) {
    const v = value.extraResources
    if (
      !isObject(v) ||
      !Object.entries(v).every(
        ([k, q]) =>
          k.includes('/') &&
          isQualifiedKey(k) &&
          k !== out.resourceName &&
          typeof q === 'string' &&
          EXTENDED_QUANTITY.test(q),
      )
    )
      bad(
        'extraResources',
        'must map extended resource names (other than resourceName) to quantities, e.g. {"nvidia.com/gpumem": "8000"}',
      )
    else out.extraResources = v as Record<string, string>
  }
}

function isToleration(t: unknown): t is Toleration {
  if (!isObject(t)) return false
  const allowed = new Set(['key', 'operator', 'value', 'effect', 'tolerationSeconds'])
  if (!Object.keys(t).every((k) => allowed.has(k))) return false
  if (t.key !== undefined && (typeof t.key !== 'string' || !isQualifiedKey(t.key))) return false
  if (t.operator !== undefined && t.operator !== 'Exists' && t.operator !== 'Equal') return false
  if (t.value !== undefined && (typeof t.value !== 'string' || !isLabelValue(t.value))) return false
  if (t.operator === 'Exists' && t.value !== undefined) return false
  if (t.effect !== undefined && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect as string))
    return false
  if (t.tolerationSeconds !== undefined && !Number.isInteger(t.tolerationSeconds)) return false
  return true
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
