import type { ActivitySource } from '@neuropod/contracts'

/**
 * What "active" means for a pod (ADR 0018). Two kinds of signal feed `last_active_at`:
 * - push: traffic through the pod URLs (HTTP requests and WebSocket frames) is marked by the proxy
 *   as it happens (`proxy/activity.ts`, source `http` / `websocket`);
 * - pull: the signals below, asked by the leader's idle evaluator before each pass, outside any
 *   transaction, for the pods meant to run. Each returns an observation only for pods it found
 *   active; "not measurable here" (no GPU, no nvidia-smi, no Jupyter) is simply no observation.
 * The evaluator writes every observation in one statement; the latest one wins and names its source.
 */
export interface ActivitySignal {
  readonly name: string
  sample(pods: readonly RunningPod[], now: Date): Promise<ActivityObservation[]>
}

/** A pod the evaluator asks the signals about. */
export interface RunningPod {
  id: string
  gpu: string
  gpuCount: number
  /** The platform's Jupyter token for this pod (null: no platform-configured Jupyter) */
  jupyterToken: string | null
  jupyterPort: number | null
}

export interface ActivityObservation {
  podId: string
  at: Date
  source: ActivitySource
  /** What the UI shows: "GPU busy 87 %", "kernel running", "CPU 45 %" */
  detail: string | null
}

/** Runs `work` over `items` with at most `limit` in flight (engine calls per pod must not pile up). */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
