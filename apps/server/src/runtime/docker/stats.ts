/**
 * CPU and memory figures from the engine's /containers/{id}/stats answer, computed the way
 * `docker stats` does. Pure; the runtime keeps the previous sample per pod because Podman (and
 * Docker's one-shot mode) leave `precpu_stats` empty.
 */

export interface EngineStats {
  read?: string
  preread?: string
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
  /** When the engine read it (ms since the epoch, from the frame's `read`/`preread`) */
  atMs?: number
}

/** A frame's timestamp; Podman's empty `preread` ("0001-01-01…") counts as none. */
const readAt = (iso: string | undefined): number | undefined => {
  const ms = iso ? Date.parse(iso) : Number.NaN
  return Number.isFinite(ms) && ms > 0 ? ms : undefined
}

export function cpuSample(stats: EngineStats): CpuSample | null {
  const c = stats.cpu_stats
  const containerNs = c?.cpu_usage?.total_usage
  const systemNs = c?.system_cpu_usage
  if (containerNs === undefined || systemNs === undefined || systemNs === 0) return null
  const cpus = c?.online_cpus || c?.cpu_usage?.percpu_usage?.length || 1
  const atMs = readAt(stats.read)
  return { containerNs, systemNs, cpus, ...(atMs === undefined ? {} : { atMs }) }
}

/** The sample `precpu_stats` carries, when the engine filled it (Docker's streaming mode). */
export function previousCpuSample(stats: EngineStats): CpuSample | null {
  const p = stats.precpu_stats
  if (!p?.system_cpu_usage || p.cpu_usage?.total_usage === undefined) return null
  const atMs = readAt(stats.preread)
  return {
    containerNs: p.cpu_usage.total_usage,
    systemNs: p.system_cpu_usage,
    cpus: 1,
    ...(atMs === undefined ? {} : { atMs }),
  }
}

/** The time between two samples in ns: by their read times when both have one, else null. */
export function wallWindowNs(previous: CpuSample, current: CpuSample): number | null {
  return previous.atMs !== undefined && current.atMs !== undefined
    ? (current.atMs - previous.atMs) * 1e6
    : null
}

/** CPU use in % of one CPU (200 = two CPUs busy), as `docker stats` shows it. */
export function cpuPercent(previous: CpuSample, current: CpuSample): number | null {
  const container = current.containerNs - previous.containerNs
  if (container < 0) return null
  // The container's CPU time over the wall time between the reads. Docker's own formula divides by
  // the host's `system_cpu_usage` delta, which Docker counts as all CPUs' time but Podman as the
  // host's busy time only: on a quiet host Podman's is tiny, and the formula said nothing (or far
  // too much). Wall time means the same on both; the system delta is the fallback without times.
  const wall = wallWindowNs(previous, current)
  if (wall !== null) return wall > 0 ? Math.round((container / wall) * 100 * 10) / 10 : null
  const system = current.systemNs - previous.systemNs
  if (system <= 0) return null
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
