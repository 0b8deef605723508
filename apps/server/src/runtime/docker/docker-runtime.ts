import type Dockerode from 'dockerode'
import type { Config } from '../../config.js'
import type { Logger } from '../../lib/logger.js'
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
  RuntimeWaitError,
  unavailableStats,
} from '../pod-runtime.js'
import {
  buildContainerSpec,
  buildVolumeSpec,
  LABEL_TCP_PORTS,
  portsFromLabel,
  withDefaultTag,
} from './container-spec.js'
import { type EngineTarget, engineVersion, errorMessage, isUnreachable, ping, statusOf } from './engine.js'
import { type ContainerEvent, EventWatcher } from './event-watcher.js'
import { GpuInventory } from './gpu-inventory.js'
import { PullError, type PullState, pullImage } from './image-puller.js'
import { demuxLogs, LogDemuxer } from './log-demux.js'
import { containerName, instanceFilter, isPodId, LABEL_POD, volumeName } from './names.js'
import { absentObservation, hostPorts, type Inspect, observationFromInspect } from './observations.js'
import {
  type CpuSample,
  cpuPercent,
  cpuSample,
  type EngineStats,
  memoryUsage,
  previousCpuSample,
} from './stats.js'

/**
 * The Docker Engine API runtime (Docker or Podman). One container and one named volume per pod,
 * both named from the pod id and labelled with it, its owner and this NeuroPod instance.
 *
 * - ensureRunning records the pod and returns; the volume, the image pull (with progress events),
 *   the container's creation and start happen in the background and report through the listener.
 * - Observations come from inspecting the container whenever the engine's event stream mentions
 *   it (and right after this runtime starts it), so stale or reordered events cannot mislead.
 * - Stop removes the container and keeps the volume; delete removes both. Both are idempotent and
 *   first cancel a creation in flight.
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

interface Creation {
  abort: AbortController
  reason: string
  done: Promise<void>
}

interface ContainerFacts {
  containerId: string
  hostPorts: Map<number, number>
  gpuDevices: string[]
}

const REFRESH_ACTIONS = new Set([
  'start',
  'restart',
  'die',
  'oom',
  'stop',
  'destroy',
  'remove',
  'pause',
  'unpause',
])
const ENGINE_TIMEOUT_MS = 3000

export class DockerRuntime implements PodRuntime {
  readonly kind = 'docker' as const
  readonly simulated = false
  readonly persistent = true

  private listener: RuntimeListener | null = null
  private readonly watcher: EventWatcher
  private readonly gpus: GpuInventory
  private readonly creations = new Map<string, Creation>()
  /** Why the last creation of a pod failed, until it is started, stopped or deleted again */
  private readonly failures = new Map<string, string>()
  private readonly facts = new Map<string, ContainerFacts>()
  /** TCP host ports of stopped pods, asked for again at the next start */
  private readonly keptTcpPorts = new Map<string, Record<number, number>>()
  /** Pods this process was asked to run: never orphans, even before the database read catches up */
  private readonly managed = new Set<string>()
  private readonly oomKilled = new Set<string>()
  private readonly refreshing = new Map<string, { again: boolean }>()
  private readonly cpuSamples = new Map<string, { sample: CpuSample; at: number }>()
  private version: { name: string; version: string; apiVersion: string; engine: string } | null = null
  private versionLoading: Promise<void> | null = null
  private unreachable: string | null = null
  private readonly endpointHost: string
  private readonly tcpHost: string

  constructor(private readonly options: DockerRuntimeOptions) {
    const { settings, target } = options
    this.gpus = new GpuInventory(settings.gpus, target.local)
    this.endpointHost = reachableHost(settings.bindAddress, target)
    this.tcpHost =
      settings.tcpHost ??
      (isWildcard(settings.tcpBindAddress)
        ? target.local
          ? new URL(options.publicUrl).hostname
          : target.host!
        : settings.tcpBindAddress)
    this.watcher = new EventWatcher({
      docker: options.docker,
      instanceId: options.instanceId,
      log: options.log,
      onEvent: (event) => this.onEngineEvent(event),
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
    this.watcher.close()
    for (const c of this.creations.values()) c.abort.abort()
    await Promise.allSettled([...this.creations.values()].map((c) => c.done))
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

  // ---------------------------------------------------------------- lifecycle

  async ensureRunning(spec: PodSpec): Promise<void> {
    if (spec.gpu && spec.gpu.count > 0 && !spec.gpu.deviceIds?.length)
      throw new RuntimeWaitError('Waiting for the platform to place the pod on GPU devices')
    if (this.unreachable) throw new Error(`The container engine is unreachable: ${this.unreachable}`)
    this.managed.add(spec.podId)
    if (this.creations.has(spec.podId)) return
    this.failures.delete(spec.podId)
    const creation: Creation = {
      abort: new AbortController(),
      reason: 'Creating the container',
      done: Promise.resolve(),
    }
    this.creations.set(spec.podId, creation)
    creation.done = this.create(spec, creation)
      .catch((error: unknown) => this.creationFailed(spec, creation, error))
      .finally(() => {
        if (this.creations.get(spec.podId) === creation) {
          this.creations.delete(spec.podId)
          this.refresh(spec.podId)
        }
      })
  }

  private async create(spec: PodSpec, creation: Creation): Promise<void> {
    const { docker } = this.options
    const signal = creation.abort.signal
    await docker.createVolume({ ...buildVolumeSpec(spec, this.options.instanceId), abortSignal: signal })
    if (signal.aborted) return
    const preferred = this.keptTcpPorts.get(spec.podId)
    let container = await this.createContainer(spec, creation, preferred)
    if (!container || signal.aborted) return
    try {
      await container.start({ abortSignal: signal })
    } catch (error) {
      if (statusOf(error) === 304) {
        // already started (an earlier attempt got that far)
      } else if (preferred && /address already in use|port is already allocated/i.test(errorMessage(error))) {
        // The TCP host ports it had before are taken now: let the engine choose new ones.
        this.keptTcpPorts.delete(spec.podId)
        await container.remove({ force: true }).catch(() => {})
        container = await this.createContainer(spec, creation, undefined)
        if (!container || signal.aborted) return
        await container.start({ abortSignal: signal })
      } else {
        await container.remove({ force: true }).catch(() => {})
        throw new StartError(errorMessage(error))
      }
    }
    this.event(spec.podId, 'normal', 'Started', 'Container started', 70)
  }

  /** Creates the container (pulling the image when the engine lacks it), or adopts an existing one. */
  private async createContainer(
    spec: PodSpec,
    creation: Creation,
    preferredHostPorts: Record<number, number> | undefined,
  ): Promise<Dockerode.Container | null> {
    const { docker, settings, instanceId } = this.options
    const signal = creation.abort.signal
    const body = buildContainerSpec(spec, {
      instanceId,
      bindAddress: settings.bindAddress,
      tcpBindAddress: settings.tcpBindAddress,
      gpuMode: settings.gpuMode,
      limits: settings.limits,
      diskQuota: settings.diskQuota,
      ...(preferredHostPorts ? { preferredHostPorts } : {}),
    })
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await docker.createContainer({ ...body, abortSignal: signal })
      } catch (error) {
        const status = statusOf(error)
        const message = errorMessage(error)
        if (status === 404 && /image/i.test(message)) {
          await this.pull(spec, creation)
          if (signal.aborted) return null
          continue
        }
        if (status === 409 || (status === 500 && /already in use/i.test(message))) {
          // A container of this pod exists (a restart interrupted an earlier start).
          const existing = docker.getContainer(containerName(spec.podId))
          const info = await existing.inspect().catch(() => null)
          if (info && ['created', 'configured'].includes(info.State.Status)) return existing
          if (info && ['running', 'paused', 'restarting'].includes(info.State.Status)) return null
          await existing.remove({ force: true }).catch(() => {})
          continue
        }
        if (status === 400 || status === 500) throw new CreateError(message)
        throw error
      }
    }
    throw new CreateError('The engine kept refusing to create the container')
  }

  private async pull(spec: PodSpec, creation: Creation): Promise<void> {
    const image = withDefaultTag(spec.image)
    creation.reason = `Pulling image ${image}`
    this.listener?.observed(this.creatingObservation(spec.podId, creation))
    this.event(spec.podId, 'normal', 'Pulling', `Pulling image ${image}`, 20)
    let lastPercent = -1
    let lastAt = 0
    const onProgress = (state: PullState) => {
      if (state.percent === null) return
      const now = Date.now()
      // One event per 10 % (and at most every half second) keeps the event list readable.
      if (state.percent < lastPercent + 10 || now - lastAt < 500) return
      lastPercent = state.percent
      lastAt = now
      const size = state.bytesTotal > 0 ? ` (${mb(state.bytesDone)} of ${mb(state.bytesTotal)} MB)` : ''
      this.event(
        spec.podId,
        'normal',
        'Pulling',
        `Pulling image ${image}: ${state.percent}%${size}`,
        20 + Math.floor(state.percent * 0.4),
      )
    }
    try {
      await pullImage(this.options.docker, image, creation.abort.signal, onProgress)
    } catch (error) {
      if (creation.abort.signal.aborted) return
      // The engine going away mid-pull is not the image's fault: let the resync retry it.
      if (!(error instanceof PullError) && isUnreachable(error)) throw error
      throw new PullError(error instanceof PullError ? error.message : errorMessage(error))
    }
    creation.reason = 'Creating the container'
    this.event(spec.podId, 'normal', 'Pulled', `Pulled image ${image}`, 60)
  }

  private creationFailed(spec: PodSpec, creation: Creation, error: unknown): void {
    if (creation.abort.signal.aborted) return
    if (!(error instanceof PullError || error instanceof CreateError || error instanceof StartError)) {
      if (isUnreachable(error)) {
        // Not the pod's fault: the resync after the engine returns re-creates it.
        this.options.log.warn({ err: error, podId: spec.podId }, 'container creation interrupted')
        return
      }
    }
    const reason =
      error instanceof PullError
        ? `Image pull failed: ${error.message}`
        : error instanceof StartError
          ? `The container could not start: ${error.message}`
          : `The engine refused the container: ${errorMessage(error)}`
    this.failures.set(spec.podId, reason)
    this.event(spec.podId, 'warning', 'Failed', reason, null)
  }

  async ensureStopped(podId: string): Promise<void> {
    await this.cancelCreation(podId)
    this.failures.delete(podId)
    const container = this.options.docker.getContainer(containerName(podId))
    try {
      const info = await container.inspect()
      // Remember the TCP host ports so the next start asks for the same ones (users keep host:port).
      const tcp = portsFromLabel(info.Config.Labels?.[LABEL_TCP_PORTS])
      const keep = Object.fromEntries([...hostPorts(info)].filter(([port]) => tcp.includes(port)))
      if (Object.keys(keep).length > 0) this.keptTcpPorts.set(podId, keep)
      if (info.State.Running) {
        this.event(podId, 'normal', 'Killing', 'Stopping the container', null)
        await container.stop({ t: this.options.settings.stopTimeoutSeconds }).catch(ignore(304, 404))
      }
    } catch (error) {
      if (statusOf(error) !== 404) throw error
    }
    await container.remove({ force: true }).catch(ignore(404, 409))
    this.facts.delete(podId)
    this.cpuSamples.delete(podId)
  }

  async ensureDeleted(podId: string): Promise<void> {
    await this.cancelCreation(podId)
    const { docker } = this.options
    await docker.getContainer(containerName(podId)).remove({ force: true }).catch(ignore(404))
    // A removal still in progress keeps the volume busy for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await docker.getVolume(volumeName(podId)).remove()
        break
      } catch (error) {
        const status = statusOf(error)
        if (status === 404) break
        if (status !== 409 || attempt >= 10) throw error
        await delay(200)
      }
    }
    this.failures.delete(podId)
    this.facts.delete(podId)
    this.keptTcpPorts.delete(podId)
    this.managed.delete(podId)
    this.cpuSamples.delete(podId)
  }

  private async cancelCreation(podId: string): Promise<void> {
    const creation = this.creations.get(podId)
    if (!creation) return
    creation.abort.abort()
    await creation.done
  }

  // ---------------------------------------------------------------- observation

  async list(): Promise<PodObservation[]> {
    const { docker } = this.options
    const summaries = await docker.listContainers({
      all: true,
      filters: instanceFilter(this.options.instanceId),
    })
    const observations = new Map<string, PodObservation>()
    await Promise.all(
      summaries.map(async (s) => {
        const podId = s.Labels?.[LABEL_POD]
        if (!isPodId(podId) || !s.Names.includes(`/${containerName(podId)}`)) return
        const observation = await this.observe(podId)
        if (observation) observations.set(podId, observation)
      }),
    )
    for (const [podId, creation] of this.creations)
      if (!observations.has(podId)) observations.set(podId, this.creatingObservation(podId, creation))
    for (const [podId, reason] of this.failures)
      if (!observations.has(podId))
        observations.set(podId, { ...absentObservation(podId), phase: 'failed', reason })
    return [...observations.values()]
  }

  /** The pod's current observation from the engine, or null when the engine does not answer. */
  private async observe(podId: string): Promise<PodObservation | null> {
    try {
      const info = (await this.options.docker.getContainer(containerName(podId)).inspect()) as Inspect
      const observation = observationFromInspect(info, {
        tcpHost: this.tcpHost,
        oomKilled: this.oomKilled.has(info.Id),
      })
      if (observation.phase === 'running') {
        this.facts.set(podId, {
          containerId: info.Id,
          hostPorts: hostPorts(info),
          gpuDevices: envValue(info.Config.Env, 'NVIDIA_VISIBLE_DEVICES')
            .split(',')
            .filter((d) => d && d !== 'void'),
        })
      } else this.facts.delete(podId)
      const creation = this.creations.get(podId)
      if (creation && observation.phase !== 'running') return this.creatingObservation(podId, creation)
      return { ...observation, podId }
    } catch (error) {
      if (statusOf(error) !== 404) return null
      this.facts.delete(podId)
      const creation = this.creations.get(podId)
      if (creation) return this.creatingObservation(podId, creation)
      const failure = this.failures.get(podId)
      if (failure) return { ...absentObservation(podId), phase: 'failed', reason: failure }
      return absentObservation(podId)
    }
  }

  private creatingObservation(podId: string, creation: Creation): PodObservation {
    return { ...absentObservation(podId), phase: 'creating', reason: creation.reason }
  }

  /** Inspects the pod and reports it; concurrent calls for one pod collapse into one more. */
  private refresh(podId: string): void {
    const running = this.refreshing.get(podId)
    if (running) {
      running.again = true
      return
    }
    const state = { again: false }
    this.refreshing.set(podId, state)
    void (async () => {
      do {
        state.again = false
        const observation = await this.observe(podId)
        if (observation) this.listener?.observed(observation)
      } while (state.again)
    })()
      .catch((error: unknown) => this.options.log.warn({ err: error, podId }, 'observing a container failed'))
      .finally(() => this.refreshing.delete(podId))
  }

  private onEngineEvent(event: ContainerEvent): void {
    if (event.action === 'oom') this.oomKilled.add(event.containerId)
    if (event.action === 'destroy' || event.action === 'remove') this.oomKilled.delete(event.containerId)
    if (event.action === 'die' && this.facts.get(event.podId)?.containerId === event.containerId) {
      // The container we saw running died: the event says enough to report it at once (the
      // inspect that follows confirms it, and the reconciler ignores the repeat).
      this.facts.delete(event.podId)
      this.listener?.observed({
        ...absentObservation(event.podId),
        phase: 'exited',
        exitCode: event.exitCode,
        reason: this.oomKilled.has(event.containerId) ? 'OOMKilled' : null,
      })
    }
    if (REFRESH_ACTIONS.has(event.action)) this.refresh(event.podId)
  }

  async endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    let facts = this.facts.get(podId)
    // While this runtime is still creating the container there is nothing to reach: don't ask.
    if (!facts && !this.creations.has(podId)) {
      await this.observe(podId)
      facts = this.facts.get(podId)
    }
    const hostPort = facts?.hostPorts.get(port)
    return hostPort ? { host: this.endpointHost, port: hostPort } : null
  }

  // ---------------------------------------------------------------- logs and stats

  async logs(podId: string, tail: number): Promise<LogsResult> {
    try {
      const buffer = (await this.options.docker.getContainer(containerName(podId)).logs({
        stdout: true,
        stderr: true,
        timestamps: true,
        tail,
        follow: false,
        abortSignal: AbortSignal.timeout(10_000),
      })) as unknown as Buffer
      return { available: true, reason: null, lines: demuxLogs(Buffer.from(buffer)).slice(-tail) }
    } catch (error) {
      return { available: false, reason: this.unavailableReason(error), lines: [] }
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
      stream = (await this.options.docker.getContainer(containerName(podId)).logs({
        stdout: true,
        stderr: true,
        timestamps: true,
        tail,
        follow: true,
      })) as NodeJS.ReadableStream & { destroy?: () => void }
    } catch (error) {
      throw new Error(this.unavailableReason(error))
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
    const container = this.options.docker.getContainer(containerName(podId))
    const read = async () =>
      (await (container.stats as (o: object) => Promise<unknown>).call(container, {
        stream: false,
        abortSignal: AbortSignal.timeout(ENGINE_TIMEOUT_MS * 2),
      })) as EngineStats
    let stats: EngineStats
    try {
      stats = await read()
    } catch (error) {
      return unavailableStats(this.unavailableReason(error))
    }
    let current = cpuSample(stats)
    let previous = previousCpuSample(stats)
    const cached = this.cpuSamples.get(podId)
    if (!previous && cached && Date.now() - cached.at < 60_000) previous = cached.sample
    if (current && !previous) {
      // First look at this pod: a second sample shortly after gives a rate to work with.
      await delay(250)
      previous = current
      stats = await read().catch(() => stats)
      current = cpuSample(stats)
    }
    if (current) this.cpuSamples.set(podId, { sample: current, at: Date.now() })
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
    const devices = this.facts.get(podId)?.gpuDevices ?? []
    if (devices.length > 0) {
      const gpu = await this.gpus.utilisation(devices)
      if ('unavailable' in gpu) result.reason = gpu.unavailable
      else Object.assign(result, gpu)
    }
    return result
  }

  private unavailableReason(error: unknown): string {
    if (statusOf(error) === 404)
      return 'The pod has no container right now (it is stopped or still being created)'
    if (isUnreachable(error)) return `The container engine is unreachable: ${errorMessage(error)}`
    return `The container engine refused: ${errorMessage(error)}`
  }

  // ---------------------------------------------------------------- GPUs and orphans

  gpuDevices(): Promise<GpuDeviceInfo[] | null> {
    return this.gpus.devices()
  }

  /** Stock comes from the platform's allocation table (see gpu-allocator.ts), not the engine. */
  async gpuStock(): Promise<GpuStock[] | null> {
    return null
  }

  async orphans(known: Set<string>, remove: boolean): Promise<OrphanReport[]> {
    const { docker, instanceId } = this.options
    const filters = instanceFilter(instanceId)
    const [containers, volumes] = await Promise.all([
      docker.listContainers({ all: true, filters }),
      docker.listVolumes({ filters }),
    ])
    const isOrphan = (podId: string | undefined) =>
      !isPodId(podId) || (!known.has(podId) && !this.managed.has(podId) && !this.creations.has(podId))
    const reports: OrphanReport[] = []
    for (const c of containers) {
      const podId = c.Labels?.[LABEL_POD]
      if (!isOrphan(podId)) continue
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id
      if (remove) await docker.getContainer(c.Id).remove({ force: true }).catch(ignore(404))
      reports.push({ kind: 'container', name, podId: isPodId(podId) ? podId : null, removed: remove })
    }
    for (const v of volumes.Volumes ?? []) {
      const podId = v.Labels?.[LABEL_POD]
      if (!isOrphan(podId)) continue
      if (remove) await docker.getVolume(v.Name).remove().catch(ignore(404))
      reports.push({ kind: 'volume', name: v.Name, podId: isPodId(podId) ? podId : null, removed: remove })
    }
    return reports
  }

  // ---------------------------------------------------------------- helpers

  private event(
    podId: string,
    type: 'normal' | 'warning',
    reason: string,
    message: string,
    progress: number | null,
  ): void {
    this.listener?.event({ podId, type, reason, message, progress })
  }
}

class CreateError extends Error {}
class StartError extends Error {}

/** Treats the given engine statuses as success (idempotent removals and stops). */
function ignore(...statuses: number[]) {
  return (error: unknown) => {
    const status = statusOf(error)
    if (status !== null && statuses.includes(status)) return
    throw error
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

function envValue(env: string[] | null | undefined, name: string): string {
  const entry = env?.find((e) => e.startsWith(`${name}=`))
  return entry ? entry.slice(name.length + 1) : ''
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))
