/**
 * CPU and memory figures from the engine's /containers/{id}/stats answer, computed the way
 * `docker stats` does. Pure; the runtime keeps the previous sample per pod because Podman (and
 * Docker's one-shot mode) leave `precpu_stats` empty.
 */

export interface EngineStats {
  read?: string
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] }
    system_cpu_usage?: number
    online_cpus?: number
  }
  precpu_stats?: {
    cpu_usage?: { total_usage?: number }
    system_cpu_usage?: number
  }
  memory_stats?: {
    usage?: number
    limit?: number
    stats?: Record<string, number>
  }
}

export interface CpuSample {
  containerNs: number
  systemNs: number
  cpus: number
}

export function cpuSample(stats: EngineStats): CpuSample | null {
  const c = stats.cpu_stats
  const containerNs = c?.cpu_usage?.total_usage
  const systemNs = c?.system_cpu_usage
  if (containerNs === undefined || systemNs === undefined || systemNs === 0) return null
  return { containerNs, systemNs, cpus: c?.online_cpus || c?.cpu_usage?.percpu_usage?.length || 1 }
}

/** The sample `precpu_stats` carries, when the engine filled it (Docker's streaming mode). */
export function previousCpuSample(stats: EngineStats): CpuSample | null {
  const p = stats.precpu_stats
  if (!p?.system_cpu_usage || p.cpu_usage?.total_usage === undefined) return null
  return { containerNs: p.cpu_usage.total_usage, systemNs: p.system_cpu_usage, cpus: 1 }
}

/** CPU use in % of one CPU (200 = two CPUs busy), as `docker stats` shows it. */
export function cpuPercent(previous: CpuSample, current: CpuSample): number | null {
  const container = current.containerNs - previous.containerNs
  const system = current.systemNs - previous.systemNs
  if (system <= 0 || container < 0) return null
  return Math.round((container / system) * current.cpus * 100 * 10) / 10
}

/** Used memory without the page cache the kernel can drop (cgroup v2 inactive_file, v1 cache). */
export function memoryUsage(stats: EngineStats): { used: number; limit: number } | null {
  const m = stats.memory_stats
  if (m?.usage === undefined || !m.limit) return null
  const s = m.stats ?? {}
  const cache = s.inactive_file ?? s.total_inactive_file ?? s.cache ?? 0
  return { used: Math.max(0, m.usage - (cache < m.usage ? cache : 0)), limit: m.limit }
}
