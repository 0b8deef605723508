import { type ChildProcess, spawn } from 'node:child_process'
import type { Logger } from '../../lib/logger.js'

/**
 * GPU figures from ONE long-lived `nvidia-smi --query-gpu=… -l N` process for every GPU of the
 * machine (issue 12): it prints one CSV line per device every N seconds; the latest line per device
 * is kept and mapped to pods by their allocated device ids (index or UUID). Started only when the
 * engine is local (nvidia-smi here describes the engine's machine) and nvidia-smi exists.
 */

export const QUERY_FIELDS = [
  'index',
  'uuid',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
] as const

export interface GpuReading {
  index: string
  uuid: string | null
  utilizationPercent: number | null
  memoryUsedMiB: number | null
  memoryTotalMiB: number | null
  temperatureC: number | null
  powerW: number | null
}

/**
 * A value of nvidia-smi's CSV: `[N/A]`, `N/A`, `[Not Supported]`, `[Unknown Error]`,
 * `[Requested functionality has been deprecated]` and anything else not a number are null.
 * Units (`35 %`, `1234 MiB`, `71.15 W`) are tolerated in case `nounits` is ignored.
 */
export function csvNumber(raw: string | undefined): number | null {
  if (raw === undefined) return null
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:%|MiB|W|C|MHz)?\s*$/.exec(raw)
  return m ? Number(m[1]) : null
}

/** One line of `--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw`. */
export function parseGpuReadingLine(line: string): GpuReading | null {
  const parts = line.split(',').map((p) => p.trim())
  const [index, uuid, util, used, total, temp, power] = parts
  if (parts.length < QUERY_FIELDS.length || !index || !/^\d+$/.test(index)) return null
  return {
    index,
    uuid: uuid && /^(GPU|MIG)-[0-9a-fA-F-]+$/.test(uuid) ? uuid : null,
    utilizationPercent: csvNumber(util),
    memoryUsedMiB: csvNumber(used),
    memoryTotalMiB: csvNumber(total),
    temperatureC: csvNumber(temp),
    powerW: csvNumber(power),
  }
}

export interface PodGpuFigures {
  gpuUtilizationPercent: number | null
  vramUsedBytes: number | null
  vramTotalBytes: number | null
  gpuTemperatureC: number | null
  gpuPowerWatts: number | null
  /** Figure → why it is missing */
  unavailable: Record<string, string>
}

const MIB = 1024 * 1024

/**
 * The pod's figures over its devices: mean utilisation, summed memory and power, hottest
 * temperature. A figure any of the devices does not report is missing (never a partial sum).
 */
export function figuresForDevices(readings: Map<string, GpuReading>, deviceIds: string[]): PodGpuFigures {
  const unavailable: Record<string, string> = {}
  const mine = deviceIds.map((id) => readings.get(id))
  const unknown = deviceIds.filter((_, i) => !mine[i])
  const out: PodGpuFigures = {
    gpuUtilizationPercent: null,
    vramUsedBytes: null,
    vramTotalBytes: null,
    gpuTemperatureC: null,
    gpuPowerWatts: null,
    unavailable,
  }
  if (deviceIds.length === 0 || unknown.length > 0) {
    const why =
      deviceIds.length === 0
        ? 'no GPU device is allocated to the pod'
        : `nvidia-smi does not report device ${unknown.join(', ')} (MIG instances have no --query-gpu line of their own)`
    for (const f of GPU_FIGURES) unavailable[f] = why
    return out
  }
  const all = mine as GpuReading[]
  const pick = (
    field: keyof PodGpuFigures & string,
    values: (number | null)[],
    combine: (v: number[]) => number,
    what: string,
  ) => {
    if (values.some((v) => v === null))
      unavailable[field] = `nvidia-smi reports no ${what} (N/A or not supported)`
    else (out as unknown as Record<string, number>)[field] = combine(values as number[])
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0)
  pick(
    'gpuUtilizationPercent',
    all.map((r) => r.utilizationPercent),
    (v) => Math.round((sum(v) / v.length) * 10) / 10,
    'utilisation for this GPU (MIG mode reports none)',
  )
  pick(
    'vramUsedBytes',
    all.map((r) => r.memoryUsedMiB),
    (v) => sum(v) * MIB,
    'memory use',
  )
  pick(
    'vramTotalBytes',
    all.map((r) => r.memoryTotalMiB),
    (v) => sum(v) * MIB,
    'memory size',
  )
  pick(
    'gpuTemperatureC',
    all.map((r) => r.temperatureC),
    (v) => Math.max(...v),
    'temperature',
  )
  pick(
    'gpuPowerWatts',
    all.map((r) => r.powerW),
    (v) => Math.round(sum(v) * 100) / 100,
    'power draw',
  )
  return out
}

const GPU_FIGURES = [
  'gpuUtilizationPercent',
  'vramUsedBytes',
  'vramTotalBytes',
  'gpuTemperatureC',
  'gpuPowerWatts',
] as const

export type Spawner = (file: string, args: string[]) => ChildProcess

/** The one nvidia-smi process: restarted (with a growing pause) when it exits. */
export class NvidiaSmiMonitor {
  private child: ChildProcess | null = null
  private readonly readings = new Map<string, GpuReading>()
  private buffer = ''
  private failure: string | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private restarts = 0
  private closed = false
  private started = false

  constructor(
    private readonly intervalSeconds: number,
    private readonly log: Logger,
    private readonly spawner: Spawner = (file, args) =>
      spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] }),
  ) {}

  /** Starts the process on first use (nothing runs for a machine without GPU pods). */
  ensureStarted(): void {
    if (this.started || this.closed) return
    this.started = true
    this.launch()
  }

  /** The latest reading of every device, keyed by index and by UUID; or why there is none. */
  current(): { readings: Map<string, GpuReading> } | { unavailable: string } {
    if (this.failure && this.readings.size === 0) return { unavailable: this.failure }
    if (this.readings.size === 0) return { unavailable: 'nvidia-smi has not reported yet' }
    return { readings: this.readings }
  }

  private launch(): void {
    let child: ChildProcess
    try {
      child = this.spawner('nvidia-smi', [
        `--query-gpu=${QUERY_FIELDS.join(',')}`,
        '--format=csv,noheader,nounits',
        '-l',
        String(this.intervalSeconds),
      ])
    } catch (error) {
      this.fail(`nvidia-smi could not start: ${(error as Error).message}`)
      return
    }
    this.child = child
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => this.push(chunk))
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.fail(
        error.code === 'ENOENT'
          ? 'nvidia-smi is not installed on this machine'
          : `nvidia-smi failed: ${error.message}`,
      )
    })
    child.on('exit', (code) => {
      if (this.child !== child) return
      this.child = null
      if (this.closed) return
      if (!this.failure) this.fail(`nvidia-smi exited (code ${code ?? 'signal'})`)
    })
  }

  private push(chunk: string): void {
    this.buffer += chunk
    const lines = this.buffer.split('\n')
    this.buffer = lines.pop() ?? ''
    for (const line of lines) {
      const reading = parseGpuReadingLine(line)
      if (!reading) continue
      this.failure = null
      this.restarts = 0
      this.readings.set(reading.index, reading)
      if (reading.uuid) this.readings.set(reading.uuid, reading)
    }
  }

  private fail(reason: string): void {
    const missing = /not installed/.test(reason)
    this.failure = reason
    this.readings.clear()
    this.child?.kill()
    this.child = null
    if (this.closed || this.restartTimer) return
    if (!missing) this.log.warn({ reason }, 'nvidia-smi monitor stopped; restarting')
    // A missing binary is rechecked rarely; a crash is retried sooner, backing off to 5 minutes.
    const delay = missing ? 300_000 : Math.min(300_000, 5000 * 2 ** this.restarts++)
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      this.launch()
    }, delay)
    this.restartTimer.unref()
  }

  close(): void {
    this.closed = true
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.child?.kill()
    this.child = null
  }
}
