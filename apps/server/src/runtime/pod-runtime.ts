/**
 * The port between the domain and whatever runs containers. Adapters: simulated (this repo's
 * default when no engine answers), docker (Docker Engine API: Docker or Podman), kubernetes.
 * Only adapters import container SDKs; the reconciler is the only caller of the mutating methods.
 *
 * Contract:
 * - ensureRunning/ensureStopped/ensureDeleted are idempotent and return once the runtime accepted
 *   the change (not when the container is up). Progress and outcome arrive through the listener.
 * - ensureDeleted removes the pod's compute and everything else it owns, but never its volume:
 *   volumes belong to the user and go only through deleteVolume (ADR 0016).
 * - Nothing is named after user text: runtime objects are named from the pod id.
 * - Adapters watch their system (events/informers) and report observations; they never poll per pod.
 */

import type { Readable } from 'node:stream'
import type { ExecRequest, ExecSession } from './exec.js'
import type { MetricsSource } from './metrics-source.js'

export type RuntimeKind = 'docker' | 'kubernetes' | 'simulated'

export interface PodSpec {
  podId: string
  slug: string
  userId: string
  image: string
  /** Final environment, including JUPYTER_TOKEN when Jupyter is enabled */
  env: Record<string, string>
  /** Run with `/bin/sh -c`; null keeps the image's own entrypoint and command */
  startCommand: string | null
  httpPorts: number[]
  /**
   * HTTP ports anyone may open (access `public`); the others are private to the owner and admins.
   * Runtimes whose ingress enforces access (kubernetes) use it; the platform proxy reads access itself.
   */
  publicHttpPorts?: number[]
  tcpPorts: number[]
  volumePath: string
  volumeSizeGb: number
  /** The user's volume mounted at volumePath (created when missing; never removed with the pod) */
  volume: VolumeSpec
  containerDiskGb: number
  /** GPU type and count; `deviceIds` is set when the platform placed the pod on specific devices */
  gpu: { type: string; count: number; deviceIds: string[] | null } | null
  jupyter: { token: string; port: number } | null
}

/** A user's volume as the runtime keeps it (ADR 0016). */
export interface VolumeSpec {
  volumeId: string
  /** The runtime object's name, recorded when the volume was created (runtime.volumeName) */
  name: string
  userId: string
  sizeGb: number
}

/** What a resize did: `expanded` on the runtime, or only `recorded` (the runtime has no quota). */
export type VolumeResizeOutcome = 'expanded' | 'recorded'

/** Bytes used per volume name, where the runtime can measure it (absent: not measured). */
export type VolumeUsage = Map<string, number>

/**
 * What the runtime sees for one pod.
 * - pending: accepted but not placed (e.g. waiting for a GPU, unschedulable)
 * - creating: pulling the image / starting the container
 * - running: the container runs
 * - exited: the container stopped on its own (exit code, OOM…)
 * - failed: the runtime cannot run it (image pull failed, invalid spec…)
 * - absent: nothing of the pod's compute exists
 */
export type ObservedPhase = 'pending' | 'creating' | 'running' | 'exited' | 'failed' | 'absent'

export interface TcpEndpoint {
  port: number
  host: string
  hostPort: number
}

export interface PodObservation {
  podId: string
  phase: ObservedPhase
  reason: string | null
  exitCode: number | null
  startedAt: Date | null
  tcpEndpoints: TcpEndpoint[]
}

export interface RuntimeEvent {
  podId: string
  type: 'normal' | 'warning'
  /** Short machine-friendly reason: Scheduled, Pulling, Pulled, Created, Started, Killing, Exited, Failed… */
  reason: string
  message: string
  /** Creation progress 0–100 when the event marks a step of it */
  progress: number | null
}

export interface RuntimeListener {
  observed(observation: PodObservation): void
  event(event: RuntimeEvent): void
  /** The adapter lost and regained its watch: the reconciler should re-list everything. */
  resync(): void
  /** The runtime became unreachable (or reachable again). */
  connectivity(reachable: boolean, detail: string | null): void
  /**
   * Whether this replica drives the runtime (it leads). Adapters that watch on every replica run
   * their own corrective actions (e.g. removing a pod that can never start) only when true.
   */
  readonly isActive?: boolean
}

export interface RuntimeHealth {
  reachable: boolean
  version: string | null
  error: string | null
  details: Record<string, string | number | boolean | null>
}

export interface LogLineOut {
  timestamp: string | null
  stream: 'stdout' | 'stderr' | 'system'
  message: string
}

export interface LogsResult {
  available: boolean
  reason: string | null
  lines: LogLineOut[]
}

export interface RuntimeStats {
  available: boolean
  reason: string | null
  cpuUsage: number | null
  memoryUsedBytes: number | null
  memoryLimitBytes: number | null
  gpuUsage: number | null
  gpuMemoryUsage: number | null
}

export interface GpuDeviceInfo {
  deviceId: string
  gpuType: string
}

export interface GpuStock {
  gpuType: string
  total: number
  free: number
  source: string
}

/** Objects labelled as NeuroPod's that the database does not know. */
export interface OrphanReport {
  kind: string
  name: string
  podId: string | null
  removed: boolean
}

export interface PodRuntime {
  readonly kind: RuntimeKind
  readonly simulated: boolean
  /** Whether pods keep running while the control plane is down (false only for the simulation) */
  readonly persistent: boolean

  /** Start watching and report to the listener. */
  start(listener: RuntimeListener): Promise<void>
  close(): Promise<void>
  health(): Promise<RuntimeHealth>

  ensureRunning(spec: PodSpec): Promise<void>
  ensureStopped(podId: string): Promise<void>
  ensureDeleted(podId: string): Promise<void>

  /** Current state of every pod this runtime manages (for resync after restarts and reconnects). */
  list(): Promise<PodObservation[]>
  /** Where the platform reaches a pod's port (readiness probes and the proxy), or null. */
  endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null>
  /**
   * The orchestrator's own readiness of the pod's container (Kubernetes: the Pod's Ready condition,
   * from the kubelet's probes of the HTTP ports): true = ready, false = not (yet), null = unknown.
   * Needs no route to the pod, so it works with the control plane outside the cluster.
   */
  clusterReady?(podId: string): boolean | null

  logs(podId: string, tail: number): Promise<LogsResult>
  /** Streams new lines until the signal aborts; resolves when the stream ends. */
  followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void>
  stats(podId: string): Promise<RuntimeStats>

  /**
   * Devices the platform must place pods on itself (docker: configured or detected GPUs),
   * or null when the runtime schedules GPUs on its own (kubernetes) or has none.
   */
  gpuDevices(): Promise<GpuDeviceInfo[] | null>
  /** Live stock per GPU type when the runtime knows it (kubernetes: node allocatable minus requests). */
  gpuStock(): Promise<GpuStock[] | null>

  /**
   * Runs a process in the pod's container (see exec.ts): a command or the image's shell, with or
   * without a terminal. Throws ExecUnavailableError when the pod has no running container.
   */
  exec(request: ExecRequest): Promise<ExecSession>

  /**
   * Report (and with remove=true delete) labelled objects whose pod id is not in `known`, and
   * volumes whose name is not in `knownVolumes`.
   */
  orphans(known: Set<string>, remove: boolean, knownVolumes: Set<string>): Promise<OrphanReport[]>

  // ---------------------------------------------------------------- volumes (ADR 0016)

  /** The runtime object name for a new volume (derived from its id, never from user text). */
  volumeName(volumeId: string): string
  /** Creates the volume if it does not exist. Idempotent. */
  ensureVolume(volume: VolumeSpec): Promise<void>
  /** Removes the volume and its data. Idempotent; the caller makes sure no pod uses it. */
  deleteVolume(name: string): Promise<void>
  /** Grows the volume to `volume.sizeGb`; throws VolumeResizeError when the runtime refuses. */
  resizeVolume(volume: VolumeSpec): Promise<VolumeResizeOutcome>
  /** Used bytes of the named volumes that can be measured now; others are left out. */
  volumeUsage(names: string[]): Promise<VolumeUsage>
  /** Whether several pods may mount one volume at once (ReadWriteMany storage). */
  readonly sharedVolumes: boolean
  /**
   * Extracts a tar stream into `dir` of the pod's running container (created when missing);
   * the caller has checked every entry. Throws ExecUnavailableError when the pod does not run.
   */
  putArchive(podId: string, dir: string, tar: Readable): Promise<void>
  /** A tar stream of `target` (a file or a folder) in the pod's running container. */
  getArchive(podId: string, target: string): Promise<Readable>

  /**
   * Optional: re-applies a running pod's per-port access (`spec.publicHttpPorts`) where the runtime
   * enforces it (kubernetes: the Ingress annotations). Idempotent; cheap when nothing changed.
   */
  updateAccess?(spec: PodSpec): Promise<void>

  /**
   * The runtime's measurements for the metrics sampler (leader only; see metrics-source.ts), built
   * once. Runtimes without it are reported as offering no measurements.
   */
  metrics?(intervalSeconds: number): MetricsSource
}

/** Thrown by ensureRunning when the pod cannot be placed yet; the pod waits in `pending`. */
export class RuntimeWaitError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RuntimeWaitError'
  }
}

/** Thrown by resizeVolume when the runtime cannot grow the volume (e.g. no volume expansion). */
export class VolumeResizeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'VolumeResizeError'
  }
}

/** Thrown when the pod can never run as specified (bad image reference, rejected spec). */
export class RuntimeRejectedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RuntimeRejectedError'
  }
}

export const unavailableStats = (reason: string): RuntimeStats => ({
  available: false,
  reason,
  cpuUsage: null,
  memoryUsedBytes: null,
  memoryLimitBytes: null,
  gpuUsage: null,
  gpuMemoryUsage: null,
})
