/**
 * CPU and memory limits per GPU type (NEUROPOD_DOCKER_LIMITS), e.g.
 * `cpu=2:4g,rtx-4090=8:32g,default=4:16g`: `<gpu type>=<cpus>:<memory>`. A GPU type's limit is per
 * GPU (a pod with two GPUs gets twice as much), the way GPU clouds size a pod's share of a machine;
 * `cpu` applies to pods without a GPU; `default` to any type not listed. Either half may be empty
 * (`rtx-4090=:48g` limits memory only). Without an entry (and no `default`) a pod is not limited.
 */

export interface ResourceLimit {
  /** CPUs (fractions allowed), null = unlimited */
  cpus: number | null
  memoryBytes: number | null
}

export type ResourceLimits = Record<string, ResourceLimit>

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }
const MIN_MEMORY = 6 * 1024 * 1024 // engines refuse less than 6 MiB

/** `512m`, `16g`, `16GiB`, `1073741824` → bytes; null when malformed. */
export function parseMemory(value: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim())
  if (!m) return null
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!)
  return Number.isFinite(bytes) && bytes > 0 ? bytes : null
}

export function parseResourceLimits(value: string): ResourceLimits | string {
  const limits: ResourceLimits = {}
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)=([^:]*):([^:]*)$/.exec(part)
    if (!m)
      return `entry ${JSON.stringify(part)} must look like <gpu type>=<cpus>:<memory>, e.g. rtx-4090=8:32g`
    const [, type, cpuText, memoryText] = m as unknown as [string, string, string, string]
    if (type in limits) return `${type} is listed twice`
    let cpus: number | null = null
    if (cpuText.trim() !== '') {
      cpus = Number(cpuText)
      if (!/^\d+(\.\d+)?$/.test(cpuText.trim()) || cpus <= 0 || cpus > 1024)
        return `${type}: CPUs ${JSON.stringify(cpuText)} must be a number above 0, e.g. 4 or 0.5`
    }
    let memoryBytes: number | null = null
    if (memoryText.trim() !== '') {
      memoryBytes = parseMemory(memoryText)
      if (memoryBytes === null || memoryBytes < MIN_MEMORY)
        return `${type}: memory ${JSON.stringify(memoryText)} must be a size of at least 6m, e.g. 512m or 16g`
    }
    limits[type] = { cpus, memoryBytes }
  }
  return limits
}

/** The limit of one pod: per GPU for GPU types (times the count), per pod for `cpu`. */
export function limitFor(limits: ResourceLimits, gpu: { type: string; count: number } | null): ResourceLimit {
  const key = gpu ? gpu.type : 'cpu'
  const entry = limits[key] ?? limits.default
  if (!entry) return { cpus: null, memoryBytes: null }
  const factor = gpu ? Math.max(1, gpu.count) : 1
  return {
    cpus: entry.cpus === null ? null : entry.cpus * factor,
    memoryBytes: entry.memoryBytes === null ? null : entry.memoryBytes * factor,
  }
}
