import type { PodRuntime } from '../../runtime/pod-runtime.js'
import {
  type ActivityObservation,
  type ActivitySignal,
  mapLimited,
  type RunningPod,
} from '../activity-signal.js'

const TIMEOUT_MS = 5000

interface KernelModel {
  execution_state?: string
  last_activity?: string
}

/**
 * Jupyter's own view of activity, read with the token the platform generated for the pod:
 * a kernel whose `execution_state` is `busy` makes the pod active now ("kernel running");
 * otherwise `/api/status` `last_activity` (the newest of the server's API requests and its kernels'
 * messages) is the pod's Jupyter activity. `/api/status` never counts as activity itself, and
 * `/api/kernels` is asked with `no_track_activity`, so these reads do not keep a pod alive.
 */
export class JupyterSignal implements ActivitySignal {
  readonly name = 'jupyter'

  constructor(
    private readonly runtime: Pick<PodRuntime, 'endpoint'>,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  async sample(pods: readonly RunningPod[], now: Date): Promise<ActivityObservation[]> {
    const jupyter = pods.filter((p) => p.jupyterToken !== null && p.jupyterPort !== null)
    const found = await mapLimited(jupyter, 8, (pod) => this.read(pod, now).catch(() => null))
    return found.filter((o): o is ActivityObservation => o !== null)
  }

  private async read(pod: RunningPod, now: Date): Promise<ActivityObservation | null> {
    const endpoint = await this.runtime.endpoint(pod.id, pod.jupyterPort!)
    if (!endpoint) return null
    const base = `http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`
    const get = async <T>(path: string): Promise<T | null> => {
      const res = await this.fetcher(`${base}${path}`, {
        headers: { authorization: `token ${pod.jupyterToken}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      if (!res.ok) {
        await res.body?.cancel()
        return null
      }
      return (await res.json()) as T
    }
    const kernels = await get<KernelModel[]>('/api/kernels?no_track_activity=1')
    const busy = Array.isArray(kernels) ? kernels.filter((k) => k.execution_state === 'busy').length : 0
    if (busy > 0)
      return {
        podId: pod.id,
        at: now,
        source: 'kernel',
        detail: busy === 1 ? 'kernel running' : `${busy} kernels running`,
      }
    const status = await get<{ last_activity?: string }>('/api/status')
    const at = status?.last_activity ? new Date(status.last_activity) : null
    if (!at || Number.isNaN(at.getTime())) return null
    // Never in the future: the pod's clock may run ahead of the platform's.
    return {
      podId: pod.id,
      at: at.getTime() > now.getTime() ? now : at,
      source: 'jupyter',
      detail: 'Jupyter activity',
    }
  }
}
