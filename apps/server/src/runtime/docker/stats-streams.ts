import type Dockerode from 'dockerode'
import type { Logger } from '../../lib/logger.js'
import {
  CPU_FIELDS,
  GPU_FIELDS,
  type MetricsSource,
  type MetricsTarget,
  NET_FIELDS,
  type PodMetricSample,
  SampleBuilder,
} from '../metrics-source.js'
import { errorMessage, statusOf } from './engine.js'
import { JsonLines } from './json-lines.js'
import { containerName } from './names.js'
import { figuresForDevices, type NvidiaSmiMonitor } from './nvidia-smi-metrics.js'
import {
  type CpuSample,
  cpuPercent,
  cpuSample,
  type EngineStats,
  memoryUsage,
  previousCpuSample,
  wallWindowNs,
} from './stats.js'

/**
 * Docker/Podman measurements (issue 12): ONE long-lived `stats?stream=true` per running
 * container, opened when a pod starts running and closed when it stops, never a request per
 * sample. The engine pushes a frame about every second; `collect` reads the latest frame and
 * computes CPU % and network rates from the deltas since the previous collection.
 */

export interface StatsFrame extends EngineStats {
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>
}

/** CPU time of the whole machine, per CPU, a CPU % must span: 0.5 s */
const MIN_CPU_WINDOW_NS = 500_000_000

export interface FrameFigures {
  cpuPercent: number | null
  memory: { used: number; limit: number } | null
  rxRate: number | null
  txRate: number | null
}

function netTotals(frame: StatsFrame): { rx: number; tx: number } | null {
  if (!frame.networks) return null
  const nets = Object.values(frame.networks)
  return {
    rx: nets.reduce((s, n) => s + (n.rx_bytes ?? 0), 0),
    tx: nets.reduce((s, n) => s + (n.tx_bytes ?? 0), 0),
  }
}

/**
 * Pure: the figures of a frame against the one before it. CPU comes from the frame's own
 * `precpu_stats` when the engine filled it (Docker and Podman do in streaming mode), else from
 * the previous frame; network rates from the byte counters over the frames' `read` times.
 */
export function figuresFromFrame(frame: StatsFrame, previous: StatsFrame | null): FrameFigures {
  const cpu = cpuSample(frame)
  // Podman's first frame carries a precpu read a few milliseconds earlier: too short to mean anything.
  const long = (b: CpuSample | null) => {
    if (!b || !cpu) return null
    const wall = wallWindowNs(b, cpu)
    return (wall ?? (cpu.systemNs - b.systemNs) / cpu.cpus) >= MIN_CPU_WINDOW_NS ? b : null
  }
  const before = long(previousCpuSample(frame)) ?? long(previous ? cpuSample(previous) : null)
  const now = netTotals(frame)
  const then = previous ? netTotals(previous) : null
  const seconds =
    previous?.read && frame.read ? (Date.parse(frame.read) - Date.parse(previous.read)) / 1000 : Number.NaN
  const rate = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && seconds > 0 && a >= b ? Math.round((a - b) / seconds) : null
  return {
    cpuPercent: cpu && before ? cpuPercent(before, cpu) : null,
    memory: memoryUsage(frame),
    rxRate: rate(now?.rx, then?.rx),
    txRate: rate(now?.tx, then?.tx),
  }
}

interface Stream {
  latest: StatsFrame | null
  /** Figures of the latest frame (computed as it arrives, against the frame before) */
  figures: FrameFigures | null
  /** Settles at the first frame (or the stream's end), so a new pod's first sample has figures */
  firstFrame: Promise<void>
  close: () => void
  ended: string | null
}

export interface StatsStreamsOptions {
  docker: Dockerode
  log: Logger
  /** Devices the container was given, when the platform has no allocation on record */
  containerGpus: (podId: string) => string[]
  /** null when nvidia-smi cannot describe the engine's machine (a remote engine) */
  nvidia: NvidiaSmiMonitor | null
}

const NO_FRAME = 'no stats frame from the engine yet (the stream just opened)'
const FIRST_FRAME_WAIT_MS = 2500

export class DockerStatsStreams implements MetricsSource {
  readonly description: string
  private readonly streams = new Map<string, Stream>()
  private requests = 0

  constructor(private readonly o: StatsStreamsOptions) {
    this.description = o.nvidia ? 'docker stats stream + nvidia-smi' : 'docker stats stream'
  }

  requestCount(): number {
    return this.requests
  }

  async collect(targets: MetricsTarget[]): Promise<PodMetricSample[]> {
    const wanted = new Set(targets.map((t) => t.podId))
    for (const [podId, s] of this.streams)
      if (!wanted.has(podId)) {
        s.close()
        this.streams.delete(podId)
      }
    const opened: Promise<void>[] = []
    for (const t of targets) {
      const s = this.streams.get(t.podId)
      if (!s || s.ended) {
        s?.close()
        opened.push(this.open(t.podId, s?.ended ?? null))
      }
    }
    // The engine sends a frame about a second after the stream opens: worth a short wait.
    if (opened.length > 0)
      await Promise.race([Promise.all(opened), new Promise((r) => setTimeout(r, FIRST_FRAME_WAIT_MS))])
    if (targets.some((t) => t.gpuCount > 0)) this.o.nvidia?.ensureStarted()
    const gpu = this.o.nvidia?.current() ?? {
      unavailable: 'GPU figures need nvidia-smi on the engine’s machine (the engine is remote)',
    }
    return targets.map((t) => this.sample(t, gpu))
  }

  private sample(t: MetricsTarget, gpu: ReturnType<NvidiaSmiMonitor['current']>): PodMetricSample {
    const b = new SampleBuilder(t.podId)
    const s = this.streams.get(t.podId)!
    const f = s.figures
    if (!s.latest || !f) {
      b.missing([...CPU_FIELDS, ...NET_FIELDS], s.ended ?? NO_FRAME)
    } else {
      b.set('cpuPercent', f.cpuPercent, 'CPU % needs two frames from the engine; the next one has it')
      b.set('memoryUsedBytes', f.memory?.used, 'the engine reports no memory figures')
      b.set('memoryLimitBytes', f.memory?.limit, 'the engine reports no memory limit')
      const noNet = s.latest.networks
        ? 'network rates need two frames from the engine; the next one has them'
        : 'the engine reports no network figures for this container (host or no network)'
      b.set('netRxBytesPerSecond', f.rxRate, noNet)
      b.set('netTxBytesPerSecond', f.txRate, noNet)
    }
    if (t.gpuCount === 0) b.missing(GPU_FIELDS, 'the pod has no GPU')
    else if ('unavailable' in gpu) b.missing(GPU_FIELDS, gpu.unavailable)
    else {
      const devices = t.gpuDeviceIds.length > 0 ? t.gpuDeviceIds : this.o.containerGpus(t.podId)
      const g = figuresForDevices(gpu.readings, devices)
      for (const field of GPU_FIELDS) b.set(field, g[field], g.unavailable[field] ?? 'not reported')
    }
    return b.build()
  }

  private open(podId: string, previousEnd: string | null): Promise<void> {
    const controller = new AbortController()
    let settle = () => {}
    const state: Stream = {
      latest: null,
      figures: null,
      firstFrame: new Promise<void>((resolve) => {
        settle = resolve
      }),
      ended: null,
      close: () => controller.abort(),
    }
    this.streams.set(podId, state)
    this.requests++
    const container = this.o.docker.getContainer(containerName(podId))
    const lines = new JsonLines()
    ;(container.stats as (o: object) => Promise<NodeJS.ReadableStream>)
      .call(container, { stream: true, abortSignal: controller.signal })
      .then((stream) => {
        const end = (reason: string) => {
          if (!state.ended) state.ended = reason
          settle()
        }
        controller.signal.addEventListener('abort', () => (stream as { destroy?: () => void }).destroy?.(), {
          once: true,
        })
        stream.on('data', (chunk: Buffer) => {
          for (const frame of lines.push(chunk) as StatsFrame[]) {
            state.figures = figuresFromFrame(frame, state.latest)
            state.latest = frame
            settle()
          }
        })
        stream.on('end', () => end('the engine closed the stats stream (the container stopped?)'))
        stream.on('error', (error: Error) => end(`the stats stream failed: ${error.message}`))
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return
        const reason =
          statusOf(error) === 404
            ? 'the pod has no container right now'
            : `the engine refused the stats stream: ${errorMessage(error)}`
        state.ended = reason
        settle()
        if (reason !== previousEnd) this.o.log.debug({ podId, reason }, 'stats stream unavailable')
      })
    return state.firstFrame
  }

  close(): void {
    for (const s of this.streams.values()) s.close()
    this.streams.clear()
    this.o.nvidia?.close()
  }
}
