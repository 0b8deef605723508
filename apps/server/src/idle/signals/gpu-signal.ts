import type { PodRuntime } from '../../runtime/pod-runtime.js'
import {
  type ActivityObservation,
  type ActivitySignal,
  mapLimited,
  type RunningPod,
} from '../activity-signal.js'

const COMMAND = ['nvidia-smi', '--query-gpu=utilization.gpu', '--format=csv,noheader,nounits']
const TIMEOUT_MS = 10_000

/** Highest utilization in `nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits` output. */
export function parseUtilization(output: string): number | null {
  const values = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+(\.\d+)?$/.test(l))
    .map(Number)
  return values.length > 0 ? Math.max(...values) : null
}

/**
 * GPU utilization measured inside the pod with nvidia-smi (the NVIDIA container toolkit mounts it
 * into GPU containers), through the runtime's exec, so it works on every engine. Pods without GPUs,
 * or where nvidia-smi is missing or fails, give no observation: "not available", never "idle".
 */
export class NvidiaSmiSignal implements ActivitySignal {
  readonly name = 'nvidia-smi'

  constructor(
    private readonly runtime: Pick<PodRuntime, 'exec'>,
    private readonly thresholdPercent: number,
  ) {}

  async sample(pods: readonly RunningPod[], now: Date): Promise<ActivityObservation[]> {
    const gpuPods = pods.filter((p) => p.gpu !== 'cpu' && p.gpuCount > 0)
    const found = await mapLimited(gpuPods, 4, async (pod): Promise<ActivityObservation | null> => {
      const utilization = await this.read(pod.id).catch(() => null)
      if (utilization === null || utilization < this.thresholdPercent) return null
      return { podId: pod.id, at: now, source: 'gpu', detail: `GPU busy ${Math.round(utilization)} %` }
    })
    return found.filter((o): o is ActivityObservation => o !== null)
  }

  private async read(podId: string): Promise<number | null> {
    const session = await this.runtime.exec({ podId, command: COMMAND, tty: false })
    const chunks: Buffer[] = []
    session.stdout.on('data', (c: Buffer) => chunks.push(c))
    session.stderr.resume()
    session.stdin.end()
    const timer = setTimeout(() => void session.close(), TIMEOUT_MS)
    try {
      const exit = await session.exit
      if (exit.code !== 0) return null
      return parseUtilization(Buffer.concat(chunks).toString('utf8'))
    } finally {
      clearTimeout(timer)
    }
  }
}
