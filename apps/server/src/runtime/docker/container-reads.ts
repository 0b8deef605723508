import type Dockerode from 'dockerode'
import { monotonicMs } from '../../lib/clock.js'
import {
  type LogLineOut,
  type LogsResult,
  type OrphanReport,
  type RuntimeStats,
  unavailableStats,
} from '../pod-runtime.js'
import type { ContainerFacts } from './container-observer.js'
import type { CreationState } from './creation-state.js'
import { errorMessage, ignore, isUnreachable, statusOf } from './engine.js'
import type { GpuInventory } from './gpu-inventory.js'
import { demuxLogs, LogDemuxer } from './log-demux.js'
import { containerName, instanceFilter, isPodId, LABEL_POD } from './names.js'
import {
  type CpuSample,
  cpuPercent,
  cpuSample,
  type EngineStats,
  memoryUsage,
  previousCpuSample,
} from './stats.js'

/**
 * The read half of the Docker adapter: container logs (a read or a follow stream), usage (CPU
 * from two samples, memory, GPU utilisation of the devices the container got) and the orphan scan.
 */

export interface ContainerReadsOptions {
  docker: Dockerode
  instanceId: string
  gpus: GpuInventory
  creations: CreationState
  facts(podId: string): ContainerFacts | undefined
}

const STATS_TIMEOUT_MS = 6000

export class ContainerReads {
  private readonly cpuSamples = new Map<string, { sample: CpuSample; at: number }>()

  constructor(private readonly o: ContainerReadsOptions) {}

  forget(podId: string): void {
    this.cpuSamples.delete(podId)
  }

  async logs(podId: string, tail: number): Promise<LogsResult> {
    try {
      const buffer = (await this.o.docker.getContainer(containerName(podId)).logs({
        stdout: true,
        stderr: true,
        timestamps: true,
        tail,
        follow: false,
        abortSignal: AbortSignal.timeout(10_000),
      })) as unknown as Buffer
      return { available: true, reason: null, lines: demuxLogs(Buffer.from(buffer)).slice(-tail) }
    } catch (error) {
      return { available: false, reason: unavailableReason(error), lines: [] }
    }
  }

  async followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void> {
    if (signal.aborted) return
    let stream: NodeJS.ReadableStream & { destroy?: () => void }
    try {
      stream = (await this.o.docker.getContainer(containerName(podId)).logs({
        stdout: true,
        stderr: true,
        timestamps: true,
        tail,
        follow: true,
      })) as NodeJS.ReadableStream & { destroy?: () => void }
    } catch (error) {
      throw new Error(unavailableReason(error))
    }
    const demuxer = new LogDemuxer()
    await new Promise<void>((resolve) => {
      const finish = () => {
        signal.removeEventListener('abort', finish)
        stream.destroy?.()
        const rest = demuxer.flush()
        if (rest.length > 0) onLines(rest)
        resolve()
      }
      if (signal.aborted) return finish()
      signal.addEventListener('abort', finish, { once: true })
      stream.on('data', (chunk: Buffer) => {
        const lines = demuxer.push(chunk)
        if (lines.length > 0) onLines(lines)
      })
      stream.on('end', finish)
      stream.on('close', finish)
      stream.on('error', finish)
    })
  }

  async stats(podId: string): Promise<RuntimeStats> {
    const container = this.o.docker.getContainer(containerName(podId))
    const read = async () =>
      (await (container.stats as (o: object) => Promise<unknown>).call(container, {
        stream: false,
        abortSignal: AbortSignal.timeout(STATS_TIMEOUT_MS),
      })) as EngineStats
    let stats: EngineStats
    try {
      stats = await read()
    } catch (error) {
      return unavailableStats(unavailableReason(error))
    }
    let current = cpuSample(stats)
    let previous = previousCpuSample(stats)
    const cached = this.cpuSamples.get(podId)
    if (!previous && cached && monotonicMs() - cached.at < 60_000) previous = cached.sample
    if (current && !previous) {
      // First look at this pod: a second sample shortly after gives a rate to work with.
      await delay(250)
      previous = current
      stats = await read().catch(() => stats)
      current = cpuSample(stats)
    }
    if (current) this.cpuSamples.set(podId, { sample: current, at: monotonicMs() })
    const memory = memoryUsage(stats)
    const result: RuntimeStats = {
      available: true,
      reason: null,
      cpuUsage: current && previous ? cpuPercent(previous, current) : null,
      memoryUsedBytes: memory?.used ?? null,
      memoryLimitBytes: memory?.limit ?? null,
      gpuUsage: null,
      gpuMemoryUsage: null,
    }
    const devices = this.o.facts(podId)?.gpuDevices ?? []
    if (devices.length > 0) {
      const gpu = await this.o.gpus.utilisation(devices)
      if ('unavailable' in gpu) result.reason = gpu.unavailable
      else Object.assign(result, gpu)
    }
    return result
  }

  async orphans(known: Set<string>, remove: boolean, knownVolumes: Set<string>): Promise<OrphanReport[]> {
    const { docker, instanceId } = this.o
    const filters = instanceFilter(instanceId)
    const [containers, volumes] = await Promise.all([
      docker.listContainers({ all: true, filters }),
      docker.listVolumes({ filters }),
    ])
    const isOrphan = (podId: string | undefined) =>
      !isPodId(podId) || (!known.has(podId) && !this.o.creations.tracks(podId))
    const reports: OrphanReport[] = []
    for (const c of containers) {
      const podId = c.Labels?.[LABEL_POD]
      if (!isOrphan(podId)) continue
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id
      if (remove) await docker.getContainer(c.Id).remove({ force: true }).catch(ignore(404))
      reports.push({ kind: 'container', name, podId: isPodId(podId) ? podId : null, removed: remove })
    }
    // Volumes belong to users, not pods: an orphan is one no volume row names.
    for (const v of volumes.Volumes ?? []) {
      if (knownVolumes.has(v.Name)) continue
      const podId = v.Labels?.[LABEL_POD]
      if (isPodId(podId) && this.o.creations.tracks(podId)) continue
      if (remove) await docker.getVolume(v.Name).remove().catch(ignore(404))
      reports.push({ kind: 'volume', name: v.Name, podId: isPodId(podId) ? podId : null, removed: remove })
    }
    return reports
  }
}

export function unavailableReason(error: unknown): string {
  if (statusOf(error) === 404)
    return 'The pod has no container right now (it is stopped or still being created)'
  if (isUnreachable(error)) return `The container engine is unreachable: ${errorMessage(error)}`
  return `The container engine refused: ${errorMessage(error)}`
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))
