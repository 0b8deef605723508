import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Clock } from '../../lib/clock.js'
import {
  type GpuDeviceInfo,
  type GpuStock,
  type LogLineOut,
  type LogsResult,
  type OrphanReport,
  type PodObservation,
  type PodRuntime,
  type PodSpec,
  type RuntimeHealth,
  type RuntimeListener,
  type RuntimeStats,
  unavailableStats,
} from '../pod-runtime.js'

/**
 * A deterministic stand-in for a container engine, used when neither Docker/Podman nor Kubernetes
 * is configured. Every pod goes pending → creating (after createDelayMs) → running (after
 * startDelayMs). No image is pulled and no container runs: each HTTP port is served by a small
 * built-in page that says so, so URLs, readiness probes and the proxy can still be exercised.
 * Logs and events describe what is simulated and say that it is a simulation; usage statistics
 * are reported as unavailable rather than invented.
 */

export interface SimulatedRuntimeOptions {
  createDelayMs: number
  startDelayMs: number
  clock: Clock
  /** A simulated GPU inventory (NEUROPOD_GPUS); null = GPUs are not placed on devices */
  gpus: GpuDeviceInfo[] | null
}

interface SimPod {
  spec: PodSpec
  phase: PodObservation['phase']
  reason: string | null
  exitCode: number | null
  startedAt: Date | null
  servers: Map<number, http.Server>
  timers: NodeJS.Timeout[]
}

const MAX_LOG_LINES = 5000

export class SimulatedRuntime implements PodRuntime {
  readonly kind = 'simulated' as const
  readonly simulated = true
  readonly persistent = false
  private listener: RuntimeListener | null = null
  private readonly pods = new Map<string, SimPod>()
  private readonly volumes = new Set<string>()
  private readonly logsByPod = new Map<string, LogLineOut[]>()
  private readonly followers = new Map<string, Set<(lines: LogLineOut[]) => void>>()

  constructor(private readonly options: SimulatedRuntimeOptions) {}

  async start(listener: RuntimeListener): Promise<void> {
    this.listener = listener
  }

  async close(): Promise<void> {
    for (const pod of this.pods.values()) this.teardown(pod)
    this.pods.clear()
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

  async ensureRunning(spec: PodSpec): Promise<void> {
    const existing = this.pods.get(spec.podId)
    if (existing && ['pending', 'creating', 'running'].includes(existing.phase)) return
    if (existing) this.teardown(existing)
    const pod: SimPod = {
      spec,
      phase: 'pending',
      reason: null,
      exitCode: null,
      startedAt: null,
      servers: new Map(),
      timers: [],
    }
    this.pods.set(spec.podId, pod)
    const volumeIsNew = !this.volumes.has(spec.podId)
    this.volumes.add(spec.podId)
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
    pod.timers.push(
      setTimeout(() => {
        if (this.pods.get(spec.podId) !== pod) return
        pod.phase = 'creating'
        this.log(
          spec.podId,
          'system',
          `[simulation] Pretending to pull image ${spec.image}; nothing is downloaded.`,
        )
        this.emitEvent(
          spec.podId,
          'normal',
          'Pulling',
          `Simulation: pretending to pull ${spec.image} (nothing is downloaded)`,
          40,
        )
        this.observe(pod)
        pod.timers.push(setTimeout(() => void this.startPod(pod), this.options.startDelayMs))
      }, this.options.createDelayMs),
    )
  }

  private async startPod(pod: SimPod): Promise<void> {
    if (this.pods.get(pod.spec.podId) !== pod) return
    for (const port of pod.spec.httpPorts) pod.servers.set(port, await this.serve(pod, port))
    if (this.pods.get(pod.spec.podId) !== pod) {
      this.teardown(pod)
      return
    }
    pod.phase = 'running'
    pod.startedAt = this.options.clock.now()
    const gpu = pod.spec.gpu
      ? `${pod.spec.gpu.count} × ${pod.spec.gpu.type}${pod.spec.gpu.deviceIds ? ` (devices ${pod.spec.gpu.deviceIds.join(', ')})` : ''}`
      : 'no GPU'
    this.log(
      pod.spec.podId,
      'system',
      `[simulation] Container "started" with ${gpu}, ${pod.spec.containerDiskGb} GB container disk.`,
    )
    if (pod.spec.startCommand)
      this.log(
        pod.spec.podId,
        'system',
        `[simulation] Start command (not executed): ${pod.spec.startCommand}`,
      )
    if (pod.spec.jupyter)
      this.log(
        pod.spec.podId,
        'system',
        `[simulation] Jupyter would listen on port ${pod.spec.jupyter.port} with the platform's token.`,
      )
    this.log(
      pod.spec.podId,
      'system',
      `[simulation] A built-in page answers on HTTP port(s) ${pod.spec.httpPorts.join(', ')} in place of the image's services.`,
    )
    this.emitEvent(
      pod.spec.podId,
      'normal',
      'Started',
      'Simulation: container "started"; built-in pages answer on its HTTP ports',
      70,
    )
    this.observe(pod)
  }

  private serve(pod: SimPod, port: number): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      const body = `<!doctype html><html><head><meta charset="utf-8"><title>Simulated pod</title></head><body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Simulated pod</h1>
<p>This NeuroPod server runs the <strong>simulated runtime</strong>: no container runs and image <code>${escapeHtml(pod.spec.image)}</code> was not pulled.</p>
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
    this.listener?.observed({
      podId,
      phase: 'absent',
      reason: null,
      exitCode: null,
      startedAt: null,
      tcpEndpoints: [],
    })
  }

  async ensureDeleted(podId: string): Promise<void> {
    await this.ensureStopped(podId)
    if (this.volumes.delete(podId))
      this.emitEvent(podId, 'normal', 'VolumeDeleted', 'Simulation: volume deleted', null)
    this.logsByPod.delete(podId)
    this.listener?.observed({
      podId,
      phase: 'absent',
      reason: null,
      exitCode: null,
      startedAt: null,
      tcpEndpoints: [],
    })
  }

  /**
   * Simulates the container ending on its own (what a crash or `docker kill` does on a real engine).
   * Used by tests and demos; a real runtime reports this from its event stream.
   */
  simulateExit(podId: string, exitCode: number, reason: string | null = null): void {
    const pod = this.pods.get(podId)
    if (!pod) return
    this.teardown(pod)
    pod.phase = 'exited'
    pod.exitCode = exitCode
    pod.reason = reason
    this.log(
      podId,
      'stderr',
      `[simulation] Container exited with code ${exitCode}${reason ? ` (${reason})` : ''}.`,
    )
    this.emitEvent(podId, 'warning', 'Exited', `Simulation: container exited with code ${exitCode}`, null)
    this.observe(pod)
  }

  async list(): Promise<PodObservation[]> {
    return [...this.pods.values()].map((p) => this.observation(p))
  }

  async endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    const server = this.pods.get(podId)?.servers.get(port)
    const address = server?.address() as AddressInfo | null | undefined
    return address ? { host: '127.0.0.1', port: address.port } : null
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

  async orphans(known: Set<string>, remove: boolean): Promise<OrphanReport[]> {
    const reports: OrphanReport[] = []
    for (const podId of new Set([...this.pods.keys(), ...this.volumes])) {
      if (known.has(podId)) continue
      if (remove) await this.ensureDeleted(podId)
      reports.push({ kind: 'simulated-pod', name: podId, podId, removed: remove })
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
    return {
      podId: pod.spec.podId,
      phase: pod.phase,
      reason: pod.reason ?? (pod.phase === 'creating' ? 'Simulating an image pull' : null),
      exitCode: pod.exitCode,
      startedAt: pod.startedAt,
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
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
