import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import type { Readable } from 'node:stream'
import type { Clock } from '../../src/lib/clock.js'
import { systemClock } from '../../src/lib/clock.js'
import { type ExecSession, ExecUnavailableError } from '../../src/runtime/exec.js'
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
  type VolumeResizeOutcome,
  type VolumeSpec,
  type VolumeUsage,
} from '../../src/runtime/pod-runtime.js'

const UPSTREAM = path.join(import.meta.dirname, 'upstream-process.mjs')

interface RunningPod {
  spec: PodSpec
  child: ChildProcess
  phase: PodObservation['phase']
  startedAt: Date | null
  exitCode: number | null
  endpoints: Map<number, number>
  logs: LogLineOut[]
  stopping: boolean
}

/**
 * A fake container engine for tests and benchmarks: it "runs" each pod as a real process
 * (test/fakes/upstream-process.mjs) serving real HTTP and WebSockets on the pod's ports, and
 * reports what it sees the way an engine adapter does (pending → creating → running, exits with
 * their code). It fakes the engine, not NeuroPod: the reconciler, readiness probes and proxy all
 * run for real against it.
 */
export class ProcessRuntime implements PodRuntime {
  readonly kind = 'docker' as const
  readonly simulated = false
  readonly persistent = false
  private listener: RuntimeListener | null = null
  private readonly pods = new Map<string, RunningPod>()

  constructor(private readonly clock: Clock = systemClock) {}

  async start(listener: RuntimeListener): Promise<void> {
    this.listener = listener
  }

  async close(): Promise<void> {
    await Promise.all([...this.pods.keys()].map((podId) => this.kill(podId)))
    this.listener = null
  }

  async health(): Promise<RuntimeHealth> {
    return {
      reachable: true,
      version: 'process-runtime (test fake)',
      error: null,
      details: { pods: this.pods.size },
    }
  }

  async ensureRunning(spec: PodSpec): Promise<void> {
    const existing = this.pods.get(spec.podId)
    if (existing && ['pending', 'creating', 'running'].includes(existing.phase)) return
    const child = fork(UPSTREAM, [], {
      env: { ...process.env, ...spec.env, UPSTREAM_PORTS: JSON.stringify(spec.httpPorts) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const pod: RunningPod = {
      spec,
      child,
      phase: 'creating',
      startedAt: null,
      exitCode: null,
      endpoints: new Map(),
      logs: [],
      stopping: false,
    }
    this.pods.set(spec.podId, pod)
    this.emit(pod)
    this.listener?.event({
      podId: spec.podId,
      type: 'normal',
      reason: 'Started',
      message: 'Process started',
      progress: 70,
    })
    const log = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      for (const message of chunk.toString('utf8').split('\n').filter(Boolean))
        pod.logs.push({ timestamp: this.clock.now().toISOString(), stream, message })
    }
    child.stdout?.on('data', log('stdout'))
    child.stderr?.on('data', log('stderr'))
    child.on('message', (message: { ready?: Record<string, number> }) => {
      if (!message.ready) return
      for (const [port, actual] of Object.entries(message.ready)) pod.endpoints.set(Number(port), actual)
      pod.phase = 'running'
      pod.startedAt = this.clock.now()
      this.emit(pod)
    })
    child.on('exit', (code) => {
      if (this.pods.get(spec.podId) !== pod) return
      pod.endpoints.clear()
      pod.exitCode = code ?? 137
      pod.phase = pod.stopping ? 'absent' : 'exited'
      if (pod.stopping) this.pods.delete(spec.podId)
      this.emit(pod)
    })
  }

  async ensureStopped(podId: string): Promise<void> {
    await this.kill(podId)
    this.listener?.observed(absent(podId))
  }

  async ensureDeleted(podId: string): Promise<void> {
    await this.ensureStopped(podId)
  }

  /** Ends a pod's process as a crash would (the engine then reports it exited). */
  crash(podId: string): void {
    this.pods.get(podId)?.child.kill('SIGKILL')
  }

  async list(): Promise<PodObservation[]> {
    return [...this.pods.values()].map((pod) => this.observation(pod))
  }

  async endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    const actual = this.pods.get(podId)?.endpoints.get(port)
    return actual ? { host: '127.0.0.1', port: actual } : null
  }

  async logs(podId: string, tail: number): Promise<LogsResult> {
    return { available: true, reason: null, lines: (this.pods.get(podId)?.logs ?? []).slice(-tail) }
  }

  async followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void> {
    const initial = (this.pods.get(podId)?.logs ?? []).slice(-tail)
    if (initial.length > 0) onLines(initial)
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve()
      signal.addEventListener('abort', () => resolve(), { once: true })
    })
  }

  async stats(): Promise<RuntimeStats> {
    return unavailableStats('The test process runtime measures no usage')
  }

  async gpuDevices(): Promise<GpuDeviceInfo[] | null> {
    return null
  }

  async gpuStock(): Promise<GpuStock[] | null> {
    return null
  }

  async orphans(): Promise<OrphanReport[]> {
    return []
  }

  // Volumes: the processes store nothing, so volumes are names the fake remembers.
  private readonly volumes = new Set<string>()
  readonly sharedVolumes = true

  volumeName(volumeId: string): string {
    return `proc-vol-${volumeId}`
  }

  async ensureVolume(volume: VolumeSpec): Promise<void> {
    this.volumes.add(volume.name)
  }

  async deleteVolume(name: string): Promise<void> {
    this.volumes.delete(name)
  }

  async resizeVolume(): Promise<VolumeResizeOutcome> {
    return 'recorded'
  }

  async volumeUsage(): Promise<VolumeUsage> {
    return new Map()
  }

  async putArchive(): Promise<void> {
    throw new ExecUnavailableError('unsupported', 'The process runtime stores no files')
  }

  async getArchive(): Promise<Readable> {
    throw new ExecUnavailableError('unsupported', 'The process runtime stores no files')
  }

  /** Its "containers" are Node processes serving HTTP; there is no shell to exec into. */
  async exec(): Promise<ExecSession> {
    throw new ExecUnavailableError('unsupported', 'The process runtime has no shell to run commands in')
  }

  private async kill(podId: string): Promise<void> {
    const pod = this.pods.get(podId)
    if (!pod) return
    pod.stopping = true
    this.pods.delete(podId)
    if (pod.child.exitCode !== null || pod.child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      pod.child.once('exit', () => resolve())
      pod.child.kill('SIGTERM')
    })
  }

  private observation(pod: RunningPod): PodObservation {
    return {
      podId: pod.spec.podId,
      phase: pod.phase,
      reason: pod.phase === 'exited' ? `Process exited with code ${pod.exitCode}` : null,
      exitCode: pod.exitCode,
      startedAt: pod.startedAt,
      tcpEndpoints: [],
    }
  }

  private emit(pod: RunningPod): void {
    this.listener?.observed(this.observation(pod))
  }
}

function absent(podId: string): PodObservation {
  return { podId, phase: 'absent', reason: null, exitCode: null, startedAt: null, tcpEndpoints: [] }
}
