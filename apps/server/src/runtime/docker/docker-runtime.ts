import type { Readable } from 'node:stream'
import type Dockerode from 'dockerode'
import type { Config } from '../../config.js'
import type { Logger } from '../../lib/logger.js'
import type { ExecRequest, ExecSession } from '../exec.js'
import type { MetricsSource } from '../metrics-source.js'
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
import { dockerExec } from './container-exec.js'
import { ContainerLifecycle } from './container-lifecycle.js'
import { ContainerObserver } from './container-observer.js'
import { ContainerReads } from './container-reads.js'
import { type EngineTarget, engineVersion, errorMessage, ping } from './engine.js'
import { EventWatcher } from './event-watcher.js'
import { GpuInventory } from './gpu-inventory.js'
import { volumeName } from './names.js'
import { NvidiaSmiMonitor } from './nvidia-smi-metrics.js'
import { DockerStatsStreams } from './stats-streams.js'
import { DockerVolumes } from './volumes.js'

/**
 * The Docker Engine API runtime (Docker or Podman). One container and one named volume per pod,
 * both named from the pod id and labelled with it, its owner and this NeuroPod instance. A thin
 * front over three halves:
 * - `ContainerLifecycle` (container-lifecycle.ts): volumes and containers created in the
 *   background, stopped and removed;
 * - `ContainerObserver` (container-observer.ts): the engine's event stream → inspect → observations;
 * - `ContainerReads` (container-reads.ts): logs, usage, orphans;
 * and exec in a container (container-exec.ts).
 */

export interface DockerRuntimeOptions {
  docker: Dockerode
  target: EngineTarget
  /** Labels select this instance's objects; other NeuroPods may share the engine */
  instanceId: string
  settings: Config['docker']
  publicUrl: string
  log: Logger
}

const ENGINE_TIMEOUT_MS = 3000

export class DockerRuntime implements PodRuntime {
  readonly kind = 'docker' as const
  readonly simulated = false
  readonly persistent = true

  private listener: RuntimeListener | null = null
  private readonly watcher: EventWatcher
  private readonly gpus: GpuInventory
  private readonly lifecycle: ContainerLifecycle
  private readonly observer: ContainerObserver
  private readonly reads: ContainerReads
  private readonly volumes: DockerVolumes
  private version: { name: string; version: string; apiVersion: string; engine: string } | null = null
  private versionLoading: Promise<void> | null = null
  private unreachable: string | null = null
  private metricsSource: DockerStatsStreams | null = null

  constructor(private readonly options: DockerRuntimeOptions) {
    const { settings, target, docker, instanceId, log } = options
    this.gpus = new GpuInventory(settings.gpus, target.local)
    this.lifecycle = new ContainerLifecycle({
      docker,
      instanceId,
      settings,
      log,
      unreachable: () => this.unreachable,
      event: (event) => this.listener?.event(event),
      observed: (observation) => this.listener?.observed(observation),
      refresh: (podId) => this.observer.refresh(podId),
      forget: (podId) => {
        this.observer.forget(podId)
        this.reads.forget(podId)
      },
    })
    this.observer = new ContainerObserver({
      docker,
      instanceId,
      log,
      tcpHost:
        settings.tcpHost ??
        (isWildcard(settings.tcpBindAddress)
          ? target.local
            ? new URL(options.publicUrl).hostname
            : target.host!
          : settings.tcpBindAddress),
      endpointHost: reachableHost(settings.bindAddress, target),
      creations: this.lifecycle,
      listener: () => this.listener,
    })
    this.volumes = new DockerVolumes(docker, instanceId)
    this.reads = new ContainerReads({
      docker,
      instanceId,
      gpus: this.gpus,
      creations: this.lifecycle,
      facts: (podId) => this.observer.factsOf(podId),
    })
    this.watcher = new EventWatcher({
      docker,
      instanceId,
      log,
      onEvent: (event) => this.observer.onEngineEvent(event),
      onDown: (detail) => {
        this.unreachable = detail
        this.listener?.connectivity(false, detail)
      },
      onUp: () => {
        this.unreachable = null
        void this.loadVersion()
        this.listener?.resync()
        this.listener?.connectivity(true, null)
      },
    })
  }

  get engine(): Dockerode {
    return this.options.docker
  }

  async start(listener: RuntimeListener): Promise<void> {
    this.listener = listener
    await this.watcher.start()
    // Not awaited: Podman takes about a second to say its version, and nothing needs it yet.
    if (this.watcher.connected) void this.loadVersion()
  }

  async close(): Promise<void> {
    this.metricsSource?.close()
    this.watcher.close()
    await this.lifecycle.close()
    this.listener = null
  }

  async health(): Promise<RuntimeHealth> {
    const { target } = this.options
    const details: RuntimeHealth['details'] = {
      address: target.address,
      source: target.source,
      instance: this.options.instanceId,
      eventStream: this.watcher.connected,
      bindAddress: this.options.settings.bindAddress,
      gpuInventory: this.gpus.source,
      gpus: (await this.gpus.devices()).length,
    }
    try {
      await ping(this.options.docker, ENGINE_TIMEOUT_MS)
    } catch (error) {
      return { reachable: false, version: null, error: errorMessage(error), details }
    }
    if (!this.version) await this.loadVersion()
    if (this.version)
      Object.assign(details, { engine: this.version.engine, apiVersion: this.version.apiVersion })
    return {
      reachable: true,
      version: this.version ? `${this.version.name} ${this.version.version}` : null,
      error: this.watcher.connected ? null : (this.unreachable ?? 'The event stream is reconnecting'),
      details,
    }
  }

  /** The engine's version (cached: Podman takes a second to answer it; callers share one request). */
  private loadVersion(): Promise<void> {
    this.versionLoading ??= this.fetchVersion().finally(() => {
      this.versionLoading = null
    })
    return this.versionLoading
  }

  private async fetchVersion(): Promise<void> {
    try {
      const v = await engineVersion(this.options.docker, 10_000)
      const component = (v as { Components?: { Name?: string }[] }).Components?.[0]?.Name ?? ''
      const podman = /podman/i.test(component)
      this.version = {
        name: podman ? 'Podman' : 'Docker Engine',
        version: v.Version,
        apiVersion: v.ApiVersion,
        engine: podman ? 'podman' : 'docker',
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not read the engine version')
    }
  }

  ensureRunning(spec: PodSpec): Promise<void> {
    return this.lifecycle.ensureRunning(spec)
  }

  ensureStopped(podId: string): Promise<void> {
    return this.lifecycle.ensureStopped(podId)
  }

  ensureDeleted(podId: string): Promise<void> {
    return this.lifecycle.ensureDeleted(podId)
  }

  list(): Promise<PodObservation[]> {
    return this.observer.list()
  }

  endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    return this.observer.endpoint(podId, port)
  }

  logs(podId: string, tail: number): Promise<LogsResult> {
    return this.reads.logs(podId, tail)
  }

  followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void> {
    return this.reads.followLogs(podId, tail, signal, onLines)
  }

  stats(podId: string): Promise<RuntimeStats> {
    return this.reads.stats(podId)
  }

  gpuDevices(): Promise<GpuDeviceInfo[] | null> {
    return this.gpus.devices()
  }

  /** Stock comes from the platform's allocation table (see gpu-allocator.ts), not the engine. */
  async gpuStock(): Promise<GpuStock[] | null> {
    return null
  }

  orphans(known: Set<string>, remove: boolean, knownVolumes: Set<string>): Promise<OrphanReport[]> {
    return this.reads.orphans(known, remove, knownVolumes)
  }

  /** Named volumes of one engine can be mounted by several containers at once. */
  readonly sharedVolumes = true

  volumeName(volumeId: string): string {
    return volumeName(volumeId)
  }

  ensureVolume(volume: VolumeSpec): Promise<void> {
    return this.volumes.ensure(volume)
  }

  deleteVolume(name: string): Promise<void> {
    return this.volumes.delete(name)
  }

  resizeVolume(volume: VolumeSpec): Promise<VolumeResizeOutcome> {
    return this.volumes.resize(volume)
  }

  volumeUsage(names: string[]): Promise<VolumeUsage> {
    return this.volumes.usage(names)
  }

  metrics(intervalSeconds: number): MetricsSource {
    this.metricsSource ??= new DockerStatsStreams({
      docker: this.options.docker,
      log: this.options.log,
      containerGpus: (podId) => this.observer.factsOf(podId)?.gpuDevices ?? [],
      // nvidia-smi here describes the engine's GPUs only when the engine is on this machine.
      nvidia: this.options.target.local ? new NvidiaSmiMonitor(intervalSeconds, this.options.log) : null,
    })
    return this.metricsSource
  }

  putArchive(podId: string, dir: string, tar: Readable): Promise<void> {
    return this.volumes.putArchive(podId, dir, tar, (r) => this.exec(r))
  }

  getArchive(podId: string, target: string): Promise<Readable> {
    return this.volumes.getArchive(podId, target)
  }

  exec(request: ExecRequest): Promise<ExecSession> {
    return dockerExec({ docker: this.options.docker, log: this.options.log }, request)
  }
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::'
}

/** Where this process reaches a port published on `bindAddress`. */
function reachableHost(bindAddress: string, target: EngineTarget): string {
  if (!isWildcard(bindAddress)) return bindAddress
  if (!target.local) return target.host!
  return bindAddress === '::' ? '::1' : '127.0.0.1'
}
