import { execFile } from 'node:child_process'
import { monotonicMs } from '../../lib/clock.js'
import type { GpuDeviceInfo } from '../pod-runtime.js'

/**
 * The GPUs of the engine's machine: NEUROPOD_GPUS when set, else what `nvidia-smi` lists (only
 * when the engine is local, since nvidia-smi here describes this machine), else none. Also reads
 * per-device utilisation for pod stats. The parsers are pure and tested as data.
 */

export type Exec = (file: string, args: string[], timeoutMs: number) => Promise<string>

export const execText: Exec = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    )
  })

/**
 * `NVIDIA GeForce RTX 4090` → `rtx-4090`, `NVIDIA A100-SXM4-80GB` → `a100`, `NVIDIA RTX A6000` →
 * `rtx-a6000`, `Tesla V100-PCIE-16GB` → `v100`: the catalog's GPU type ids.
 */
export function gpuTypeFromName(name: string): string {
  const words = name
    .replace(/^\s*nvidia\s+/i, '')
    .replace(/^(geforce|tesla|quadro)\s+/i, '')
    .replace(/-(sxm\d*|pcie|nvl)\b.*$/i, '')
    .split(/\s+/)
    .filter((w) => w && !/^\d+\s*gb$/i.test(w) && !/^(hbm\d*e?|pcie|sxm\d*|nvl|laptop|gpu)$/i.test(w))
  return words
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
}

/** Output of `nvidia-smi --query-gpu=index,name --format=csv,noheader` */
export function parseNvidiaSmiInventory(csv: string): GpuDeviceInfo[] {
  const devices: GpuDeviceInfo[] = []
  for (const line of csv.split('\n')) {
    const [index, ...nameParts] = line.split(',').map((p) => p.trim())
    const name = nameParts.join(',')
    if (!index || !/^\d+$/.test(index) || !name) continue
    const gpuType = gpuTypeFromName(name)
    if (gpuType) devices.push({ deviceId: index, gpuType })
  }
  return devices
}

export interface GpuSample {
  deviceId: string
  utilization: number | null
  memoryUsedMiB: number | null
  memoryTotalMiB: number | null
}

/** Output of `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits` */
export function parseNvidiaSmiUsage(csv: string): GpuSample[] {
  const num = (v: string | undefined) => (v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : null)
  return csv
    .split('\n')
    .map((line) => line.split(',').map((p) => p.trim()))
    .filter((p) => p[0] !== undefined && /^\d+$/.test(p[0]))
    .map(([deviceId, util, used, total]) => ({
      deviceId: deviceId!,
      utilization: num(util),
      memoryUsedMiB: num(used),
      memoryTotalMiB: num(total),
    }))
}

/** Mean utilisation and memory use (%) over the pod's devices; null when any value is missing. */
export function usageOf(
  samples: GpuSample[],
  deviceIds: string[],
): { gpuUsage: number; gpuMemoryUsage: number } | null {
  const mine = deviceIds.map((id) => samples.find((s) => s.deviceId === id))
  if (mine.length === 0 || mine.some((s) => !s || s.utilization === null || !s.memoryTotalMiB)) return null
  const round1 = (n: number) => Math.round(n * 10) / 10
  const sum = (f: (s: GpuSample) => number) => mine.reduce((acc, s) => acc + f(s!), 0)
  return {
    gpuUsage: round1(sum((s) => s.utilization!) / mine.length),
    gpuMemoryUsage: round1((sum((s) => s.memoryUsedMiB ?? 0) / sum((s) => s.memoryTotalMiB!)) * 100),
  }
}

export class GpuInventory {
  private detected: Promise<GpuDeviceInfo[]> | null = null
  private usage: { at: number; samples: Promise<GpuSample[] | null> } | null = null

  constructor(
    private readonly configured: GpuDeviceInfo[] | null,
    /** nvidia-smi describes the engine's machine only when the engine is local */
    private readonly local: boolean,
    private readonly exec: Exec = execText,
  ) {}

  /** Configured devices, or detected ones (once), or an empty list: GPU pods then wait. */
  devices(): Promise<GpuDeviceInfo[]> {
    if (this.configured) return Promise.resolve(this.configured)
    if (!this.local) return Promise.resolve([])
    this.detected ??= this.exec('nvidia-smi', ['--query-gpu=index,name', '--format=csv,noheader'], 5000)
      .then(parseNvidiaSmiInventory)
      .catch(() => [])
    return this.detected
  }

  get source(): string {
    return this.configured ? 'NEUROPOD_GPUS' : this.local ? 'nvidia-smi' : 'none (remote engine)'
  }

  /** Utilisation of the given devices, or why it is unavailable. Samples are shared for 2 s. */
  async utilisation(
    deviceIds: string[],
  ): Promise<{ gpuUsage: number; gpuMemoryUsage: number } | { unavailable: string }> {
    if (!this.local)
      return { unavailable: 'GPU usage is not available: nvidia-smi cannot see a remote engine' }
    const now = monotonicMs()
    if (!this.usage || now - this.usage.at > 2000) {
      this.usage = {
        at: now,
        samples: this.exec(
          'nvidia-smi',
          ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'],
          5000,
        )
          .then(parseNvidiaSmiUsage)
          .catch(() => null),
      }
    }
    const samples = await this.usage.samples
    if (!samples) return { unavailable: 'GPU usage is not available: nvidia-smi is not installed or failed' }
    const usage = usageOf(samples, deviceIds)
    return (
      usage ?? {
        unavailable: `GPU usage is not available: nvidia-smi does not report device(s) ${deviceIds.join(', ')}`,
      }
    )
  }
}
