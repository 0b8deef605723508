import type { PodRuntime } from '../../runtime/pod-runtime.js'
import {
  type ActivityObservation,
  type ActivitySignal,
  mapLimited,
  type RunningPod,
} from '../activity-signal.js'

/**
 * CPU and GPU use from the runtime's usage read (engine stats on Docker, metrics.k8s.io on
 * Kubernetes): above the threshold, the pod is active now ("CPU 45 %", "GPU busy 87 %"). Pods the
 * runtime cannot measure (the simulation, a cluster without metrics) give no observation.
 */
export class UsageSignal implements ActivitySignal {
  readonly name = 'usage'

  constructor(
    private readonly runtime: Pick<PodRuntime, 'stats'>,
    private readonly thresholds: { cpuPercent: number; gpuPercent: number },
  ) {}

  async sample(pods: readonly RunningPod[], now: Date): Promise<ActivityObservation[]> {
    const found = await mapLimited(pods, 4, async (pod): Promise<ActivityObservation | null> => {
      const stats = await this.runtime.stats(pod.id).catch(() => null)
      if (!stats?.available) return null
      if (stats.gpuUsage !== null && stats.gpuUsage >= this.thresholds.gpuPercent)
        return { podId: pod.id, at: now, source: 'gpu', detail: `GPU busy ${Math.round(stats.gpuUsage)} %` }
      if (stats.cpuUsage !== null && stats.cpuUsage >= this.thresholds.cpuPercent)
        return { podId: pod.id, at: now, source: 'cpu', detail: `CPU ${Math.round(stats.cpuUsage)} %` }
      return null
    })
    return found.filter((o): o is ActivityObservation => o !== null)
  }
}
