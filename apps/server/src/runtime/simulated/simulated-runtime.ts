import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import type { Clock } from '../../lib/clock.js'
import { type ExecRequest, type ExecSession, ExecUnavailableError } from '../exec.js'
import { type MetricsSource, SimulatedMetricsSource } from '../metrics-source.js'
import type {
  GpuDeviceInfo,
  GpuStock,
  LogLineOut,
  LogsResult,
  OrphanReport,
  PodObservation,
  PodRuntime,
  PodSpec,
  RuntimeHealth,
  RuntimeListener,
  RuntimeStats,
  VolumeResizeOutcome,
  VolumeSpec,
  VolumeUsage,
} from '../pod-runtime.js'
import { unavailableStats } from '../pod-runtime.js'
import { simulatedExec } from './sim-exec.js'
import {
  MemorySimulationStore,
  type SimulatedContainer,
  type SimulatedPodRecord,
  type SimulationStore,
} from './simulation-store.js'

/**
 * A deterministic stand-in for a container engine, used when neither Docker/Podman nor Kubernetes
 * is configured. Every pod goes pending → creating (after createDelayMs) → running (after
 * startDelayMs). No image is pulled and no container runs: each HTTP port is served by a small
 * built-in page that says so, so URLs, readiness probes and the proxy can still be exercised;
 * exec opens the simulation's own labelled shell (sim-shell.ts). Logs and events describe what is
 * simulated and say that it is a simulation; usage statistics are reported as unavailable rather
 * than invented.
 *
 * Like an engine, it keeps its state (SimulationStore): after a control-plane restart its pods
 * are still running, with the same start time, logs and volumes (ADR 0007).
 */

export interface SimulatedRuntimeOptions {
  createDelayMs: number
  startDelayMs: number
  clock: Clock
  /** A simulated GPU inventory (NEUROPOD_GPUS); null = GPUs are not placed on devices */
  gpus: GpuDeviceInfo[] | null
  /** Where the simulation's state survives restarts; in memory when absent */
  store?: SimulationStore
}

interface SimPod {
  podId: string
  container: SimulatedContainer
  servers: Map<number, http.Server>
  timers: NodeJS.Timeout[]
}

const MAX_LOG_LINES = 5000

export class SimulatedRuntime implements PodRuntime {
  readonly kind = 'simulated' as const
  readonly simulated = true
  /** Pods survive a control-plane restart when a store keeps them */
  readonly persistent: boolean
  private listener: RuntimeListener | null = null
  private readonly pods = new Map<string, SimPod>()
  /**
   * Volumes by runtime name. Volumes made before ADR 0016 are named by their first pod's id and
   * share that pod's record; newer ones (`vol-<id>`) have a record of their own.
   */
  private readonly volumes = new Map<string, { sizeGb: number; path: string }>()
  private readonly logsByPod = new Map<string, LogLineOut[]>()
  private readonly followers = new Map<string, Set<(lines: LogLineOut[]) => void>>()
  private readonly store: SimulationStore
  private readonly writes = new Map<string, { again: boolean; done: Promise<void> }>()
  private loaded: Promise<void> | null = null

  constructor(private readonly options: SimulatedRuntimeOptions) {
    this.store = options.store ?? new MemorySimulationStore()
    this.persistent = options.store !== undefined
  }

  async start(listener: RuntimeListener): Promise<void> {
    this.listener = listener
    this.loaded ??= this.resume()
    await this.loaded
  }

  async close(): Promise<void> {
    for (const pod of this.pods.values()) this.teardown(pod)
    this.pods.clear()
    await Promise.all([...this.writes.values()].map((w) => w.done))
    this.loaded = null
    this.listener = null
  }

  async health(): Promise<RuntimeHealth> {
    return {
      reachable: true,
      version: 'simulation',
      error: null,
      details: {
        simulated: true,
        note: 'Simulated runtime: no containers run. Set NEUROPOD_RUNTIME=docker or kubernetes to run real pods.',
        pods: this.pods.size,
      },
    }
  }

  /** Picks up where the last process left off: the same containers, volumes and logs. */
  private async resume(): Promise<void> {
    for (const record of await this.store.load()) {
      if (record.volume) this.volumes.set(record.podId, record.volume)
      this.logsByPod.set(record.podId, record.logs ?? [])
      if (!record.container) continue
      const pod: SimPod = { podId: record.podId, container: record.container, servers: new Map(), timers: [] }
      this.pods.set(record.podId, pod)
      // Steps that were under way when the last process stopped go on from where they were.
      if (pod.container.phase === 'running') await this.serveAll(pod)
      else if (pod.container.phase === 'pending') this.scheduleCreate(pod)
      else if (pod.container.phase === 'creating')
        pod.timers.push(setTimeout(() => void this.startPod(pod), this.options.startDelayMs))
    }
  }

  async ensureRunning(spec: PodSpec): Promise<void> {
    const existing = this.pods.get(spec.podId)
    if (existing && ['pending', 'creating', 'running'].includes(existing.container.phase)) return
    if (existing) this.teardown(existing)
    const pod: SimPod = { podId: spec.podId, container: containerOf(spec), servers: new Map(), timers: [] }
    this.pods.set(spec.podId, pod)
    const volumeIsNew = !this.volumes.has(spec.volume.name)
    this.volumes.set(spec.volume.name, { sizeGb: spec.volume.sizeGb, path: spec.volumePath })
    if (spec.volume.name !== spec.podId) await this.persist(spec.volume.name)
    this.log(spec.podId, 'system', `[simulation] Pod accepted. This is a simulation: no container will run.`)
    this.emitEvent(
      spec.podId,
      'normal',
      'Scheduled',
      'Simulation: pod accepted (no container will be started)',
      10,
    )
    this.emitEvent(
      spec.podId,
      'normal',
      volumeIsNew ? 'VolumeCreated' : 'VolumeAttached',
      `Simulation: ${volumeIsNew ? 'created' : 'reattached'} a simulated ${spec.volumeSizeGb} GB volume at ${spec.volumePath} (nothing is stored)`,
      20,
    )
    this.observe(pod)
    this.scheduleCreate(pod)
    // Accepted means remembered, as an engine's API answers once the container is recorded.
    await this.persist(spec.podId)
  }

  private scheduleCreate(pod: SimPod): void {
    pod.timers.push(
      setTimeout(() => {
        if (this.pods.get(pod.podId) !== pod) return
        pod.container.phase = 'creating'
        this.log(
          pod.podId,
          'system',
          `[simulation] Pretending to pull image ${pod.container.image}; nothing is downloaded.`,
        )
        this.emitEvent(
          pod.podId,
          'normal',
          'Pulling',
          `Simulation: pretending to pull ${pod.container.image} (nothing is downloaded)`,
          40,
        )
        this.observe(pod)
        void this.persist(pod.podId)
        pod.timers.push(setTimeout(() => void this.startPod(pod), this.options.startDelayMs))
      }, this.options.createDelayMs),
    )
  }

  private async startPod(pod: SimPod): Promise<void> {
    if (this.pods.get(pod.podId) !== pod) return
    await this.serveAll(pod)
    if (this.pods.get(pod.podId) !== pod) {
      this.teardown(pod)
      return
    }
    const c = pod.container
    c.phase = 'running'
    c.startedAt = this.options.clock.now().toISOString()
    const gpu = c.gpu
      ? `${c.gpu.count} × ${c.gpu.type}${c.gpu.deviceIds ? ` (devices ${c.gpu.deviceIds.join(', ')})` : ''}`
      : 'no GPU'
    this.log(
      pod.podId,
      'system',
      `[simulation] Container "started" with ${gpu}, ${c.containerDiskGb} GB container disk.`,
    )
    if (c.startCommand)
      this.log(pod.podId, 'system', `[simulation] Start command (not executed): ${c.startCommand}`)
    if (c.jupyterPort)
      this.log(
        pod.podId,
        'system',
        `[simulation] Jupyter would listen on port ${c.jupyterPort} with the platform's token.`,
      )
    this.log(
      pod.podId,
      'system',
      `[simulation] A built-in page answers on HTTP port(s) ${c.httpPorts.join(', ')} in place of the image's services.`,
    )
    this.emitEvent(
      pod.podId,
      'normal',
      'Started',
      'Simulation: container "started"; built-in pages answer on its HTTP ports',
      70,
    )
    this.observe(pod)
    void this.persist(pod.podId)
  }

  private async serveAll(pod: SimPod): Promise<void> {
    for (const port of pod.container.httpPorts) pod.servers.set(port, await this.serve(pod, port))
  }

  private serve(pod: SimPod, port: number): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      const body = `<!doctype html><html><head><meta charset="utf-8"><title>Simulated pod</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Simulated pod</h1>
<p>This NeuroPod server runs the <strong>simulated runtime</strong>: no container runs and image <code>${escapeHtml(pod.container.image)}</code> was not pulled.</p>
<p>This page stands in for the service on port <strong>${port}</strong>. Request: <code>${escapeHtml(req.method ?? '')} ${escapeHtml(req.url ?? '')}</code></p>
<p>Set <code>NEUROPOD_RUNTIME=docker</code> (Docker or Podman) or <code>kubernetes</code> to run real pods.</p></body></html>`
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-neuropod-simulated': 'true' })
      res.end(body)
    })
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve(server))
    })
  }

  async ensureStopped(podId: string): Promise<void> {
    const pod = this.pods.get(podId)
    if (!pod) return
    this.teardown(pod)
    this.pods.delete(podId)
    this.log(podId, 'system', '[simulation] Container stopped; the simulated volume is kept.')
    this.emitEvent(podId, 'normal', 'Killing', 'Simulation: container stopped; volume kept', null)
    this.listener?.observed(absent(podId))
    await this.persist(podId)
  }

  /** The pod's compute and logs go; its volume is the user's and stays (deleteVolume). */
  async ensureDeleted(podId: string): Promise<void> {
    await this.ensureStopped(podId)
    this.logsByPod.delete(podId)
    this.listener?.observed(absent(podId))
    await this.persist(podId)
  }

  // ---------------------------------------------------------------- volumes

  /** Many pods may "mount" a simulated volume: nothing is stored in it. */
  readonly sharedVolumes = true

  volumeName(volumeId: string): string {
    return `vol-${volumeId}`
  }

  async ensureVolume(volume: VolumeSpec): Promise<void> {
    if (this.volumes.has(volume.name)) return
    this.volumes.set(volume.name, { sizeGb: volume.sizeGb, path: '' })
    await this.persist(volume.name)
  }

  async deleteVolume(name: string): Promise<void> {
    if (!this.volumes.delete(name)) return
    await this.persist(name)
  }

  /** A simulated volume has no size to enforce: the platform records the new one. */
  async resizeVolume(volume: VolumeSpec): Promise<VolumeResizeOutcome> {
    const current = this.volumes.get(volume.name)
    this.volumes.set(volume.name, { path: current?.path ?? '', sizeGb: volume.sizeGb })
    await this.persist(volume.name)
    return 'recorded'
  }

  async putArchive(): Promise<void> {
    throw new ExecUnavailableError(
      'unsupported',
      'The simulation stores no files: there is nothing to upload to',
    )
  }

  async getArchive(): Promise<Readable> {
    throw new ExecUnavailableError(
      'unsupported',
      'The simulation stores no files: there is nothing to download',
    )
  }

  /** Nothing is stored, so nothing is measured (never an invented figure). */
  async volumeUsage(_names: string[]): Promise<VolumeUsage> {
    return new Map()
  }

  /**
   * Simulates the container ending on its own (what a crash or `docker kill` does on a real engine).
   * Used by tests and demos; a real runtime reports this from its event stream.
   */
  simulateExit(podId: string, exitCode: number, reason: string | null = null): void {
    const pod = this.pods.get(podId)
    if (!pod) return
    this.teardown(pod)
    Object.assign(pod.container, { phase: 'exited', exitCode, reason })
    this.log(
      podId,
      'stderr',
      `[simulation] Container exited with code ${exitCode}${reason ? ` (${reason})` : ''}.`,
    )
    this.emitEvent(podId, 'warning', 'Exited', `Simulation: container exited with code ${exitCode}`, null)
    this.observe(pod)
    void this.persist(podId)
  }

  async list(): Promise<PodObservation[]> {
    return [...this.pods.values()].map((p) => this.observation(p))
  }

  async endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    const server = this.pods.get(podId)?.servers.get(port)
    const address = server?.address() as AddressInfo | null | undefined
    return address ? { host: '127.0.0.1', port: address.port } : null
  }

  async exec(request: ExecRequest): Promise<ExecSession> {
    const pod = this.pods.get(request.podId)
    if (pod?.container.phase !== 'running')
      throw new ExecUnavailableError(
        'not-running',
        pod
          ? `The simulated container is not running (${pod.container.phase})`
          : 'The pod has no simulated container (it is stopped)',
      )
    return simulatedExec(request, pod.container)
  }

  async logs(podId: string, tail: number): Promise<LogsResult> {
    const lines = this.logsByPod.get(podId) ?? []
    return { available: true, reason: null, lines: lines.slice(-tail) }
  }

  async followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void> {
    const initial = (this.logsByPod.get(podId) ?? []).slice(-tail)
    if (initial.length > 0) onLines(initial)
    const follower = this.followers.get(podId) ?? new Set()
    this.followers.set(podId, follower)
    follower.add(onLines)
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
    follower.delete(onLines)
  }

  metrics(): MetricsSource {
    return new SimulatedMetricsSource()
  }

  async stats(podId: string): Promise<RuntimeStats> {
    void podId
    return unavailableStats('Simulated runtime: no container runs, so there is no usage to measure')
  }

  async gpuDevices(): Promise<GpuDeviceInfo[] | null> {
    return this.options.gpus
  }

  async gpuStock(): Promise<GpuStock[] | null> {
    return null
  }

  async orphans(known: Set<string>, remove: boolean, knownVolumes: Set<string>): Promise<OrphanReport[]> {
    const reports: OrphanReport[] = []
    for (const podId of this.pods.keys()) {
      if (known.has(podId)) continue
      if (remove) await this.ensureDeleted(podId)
      reports.push({ kind: 'simulated-pod', name: podId, podId, removed: remove })
    }
    for (const name of [...this.volumes.keys()]) {
      if (knownVolumes.has(name)) continue
      if (remove) await this.deleteVolume(name)
      reports.push({ kind: 'simulated-volume', name, podId: null, removed: remove })
    }
    return reports
  }

  private teardown(pod: SimPod): void {
    for (const t of pod.timers) clearTimeout(t)
    pod.timers = []
    for (const server of pod.servers.values()) {
      server.closeAllConnections()
      server.close()
    }
    pod.servers.clear()
  }

  private observation(pod: SimPod): PodObservation {
    const c = pod.container
    return {
      podId: pod.podId,
      phase: c.phase,
      reason: c.reason ?? (c.phase === 'creating' ? 'Simulating an image pull' : null),
      exitCode: c.exitCode,
      startedAt: c.startedAt ? new Date(c.startedAt) : null,
      tcpEndpoints: [],
    }
  }

  private observe(pod: SimPod): void {
    this.listener?.observed(this.observation(pod))
  }

  private emitEvent(
    podId: string,
    type: 'normal' | 'warning',
    reason: string,
    message: string,
    progress: number | null,
  ): void {
    this.listener?.event({ podId, type, reason, message, progress })
  }

  private log(podId: string, stream: LogLineOut['stream'], message: string): void {
    const line: LogLineOut = { timestamp: this.options.clock.now().toISOString(), stream, message }
    const lines = this.logsByPod.get(podId) ?? []
    this.logsByPod.set(podId, lines)
    lines.push(line)
    if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES)
    for (const follower of this.followers.get(podId) ?? []) follower([line])
  }

  /** Writes the state kept under `podId` (a pod id or a volume name); writes that pile up collapse into one more. */
  private persist(podId: string): Promise<void> {
    const running = this.writes.get(podId)
    if (running) {
      running.again = true
      return running.done
    }
    const state = { again: false, done: Promise.resolve() }
    state.done = (async () => {
      do {
        state.again = false
        await this.write(podId)
      } while (state.again)
    })().finally(() => this.writes.delete(podId))
    this.writes.set(podId, state)
    return state.done
  }

  private async write(podId: string): Promise<void> {
    const record: SimulatedPodRecord = {
      podId,
      volume: this.volumes.get(podId) ?? null,
      container: this.pods.get(podId)?.container ?? null,
      logs: this.logsByPod.get(podId) ?? [],
    }
    if (!record.volume && !record.container) await this.store.remove(podId)
    else await this.store.save(record)
  }
}

function containerOf(spec: PodSpec): SimulatedContainer {
  return {
    phase: 'pending',
    reason: null,
    exitCode: null,
    startedAt: null,
    image: spec.image,
    slug: spec.slug,
    httpPorts: spec.httpPorts,
    startCommand: spec.startCommand,
    jupyterPort: spec.jupyter?.port ?? null,
    gpu: spec.gpu,
    containerDiskGb: spec.containerDiskGb,
  }
}

function absent(podId: string): PodObservation {
  return { podId, phase: 'absent', reason: null, exitCode: null, startedAt: null, tcpEndpoints: [] }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
