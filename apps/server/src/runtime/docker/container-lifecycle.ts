import type Dockerode from 'dockerode'
import type { Config } from '../../config.js'
import { monotonicMs } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import { type PodObservation, type PodSpec, type RuntimeEvent, RuntimeWaitError } from '../pod-runtime.js'
import {
  buildContainerSpec,
  buildVolumeSpec,
  LABEL_TCP_PORTS,
  portsFromLabel,
  withDefaultTag,
} from './container-spec.js'
import { type Creation, type CreationState, creatingObservation } from './creation-state.js'
import { errorMessage, ignore, isUnreachable, statusOf } from './engine.js'
import { PullError, type PullState, pullImage } from './image-puller.js'
import { containerName } from './names.js'
import { hostPorts } from './observations.js'
import { ensureEngineVolume } from './volumes.js'

/**
 * The write half of the Docker adapter: a pod's volume and container created (pulling the image
 * with progress events), stopped and removed. ensureRunning records the pod and returns; the rest
 * happens in the background and reports through the callbacks. Stop removes the container and
 * and delete both keep the volume (the user's, see volumes.ts); delete also forgets the pod. Both are idempotent and first cancel a creation in flight.
 */

export interface ContainerLifecycleOptions {
  docker: Dockerode
  instanceId: string
  settings: Config['docker']
  log: Logger
  /** Whether the engine is unreachable now (and why) */
  unreachable(): string | null
  event(event: RuntimeEvent): void
  observed(observation: PodObservation): void
  /** Inspect the pod again and report it (after a creation ends) */
  refresh(podId: string): void
  /** The pod's container is gone: drop what was known about it */
  forget(podId: string): void
}

export class ContainerLifecycle implements CreationState {
  private readonly inFlight = new Map<string, Creation>()
  /** Why the last creation of a pod failed, until it is started, stopped or deleted again */
  private readonly failed = new Map<string, string>()
  /** TCP host ports of stopped pods, asked for again at the next start */
  private readonly keptTcpPorts = new Map<string, Record<number, number>>()
  /** Pods this process was asked to run: never orphans, even before the database read catches up */
  private readonly managed = new Set<string>()

  constructor(private readonly o: ContainerLifecycleOptions) {}

  creation(podId: string): Creation | undefined {
    return this.inFlight.get(podId)
  }

  failure(podId: string): string | undefined {
    return this.failed.get(podId)
  }

  creations(): IterableIterator<[string, Creation]> {
    return this.inFlight.entries()
  }

  failures(): IterableIterator<[string, string]> {
    return this.failed.entries()
  }

  tracks(podId: string): boolean {
    return this.managed.has(podId) || this.inFlight.has(podId)
  }

  /** Cancels every creation in flight and waits for them to stop. */
  async close(): Promise<void> {
    for (const c of this.inFlight.values()) c.abort.abort()
    await Promise.allSettled([...this.inFlight.values()].map((c) => c.done))
  }

  async ensureRunning(spec: PodSpec): Promise<void> {
    if (spec.gpu && spec.gpu.count > 0 && !spec.gpu.deviceIds?.length)
      throw new RuntimeWaitError('Waiting for the platform to place the pod on GPU devices')
    const unreachable = this.o.unreachable()
    if (unreachable) throw new Error(`The container engine is unreachable: ${unreachable}`)
    this.managed.add(spec.podId)
    if (this.inFlight.has(spec.podId)) return
    this.failed.delete(spec.podId)
    const creation: Creation = {
      abort: new AbortController(),
      reason: 'Creating the container',
      done: Promise.resolve(),
    }
    this.inFlight.set(spec.podId, creation)
    creation.done = this.create(spec, creation)
      .catch((error: unknown) => this.creationFailed(spec, creation, error))
      .finally(() => {
        if (this.inFlight.get(spec.podId) === creation) {
          this.inFlight.delete(spec.podId)
          this.o.refresh(spec.podId)
        }
      })
  }

  private async create(spec: PodSpec, creation: Creation): Promise<void> {
    const { docker } = this.o
    const signal = creation.abort.signal
    await ensureEngineVolume(docker, buildVolumeSpec(spec.volume, this.o.instanceId), signal)
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
    const { docker, settings, instanceId } = this.o
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
    this.o.observed(creatingObservation(spec.podId, creation))
    this.event(spec.podId, 'normal', 'Pulling', `Pulling image ${image}`, 20)
    let lastPercent = -1
    let lastAt = Number.NEGATIVE_INFINITY
    const onProgress = (state: PullState) => {
      if (state.percent === null) return
      const now = monotonicMs()
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
      await pullImage(this.o.docker, image, creation.abort.signal, onProgress)
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
        this.o.log.warn({ err: error, podId: spec.podId }, 'container creation interrupted')
        return
      }
    }
    const reason =
      error instanceof PullError
        ? `Image pull failed: ${error.message}`
        : error instanceof StartError
          ? `The container could not start: ${error.message}`
          : `The engine refused the container: ${errorMessage(error)}`
    this.failed.set(spec.podId, reason)
    this.event(spec.podId, 'warning', 'Failed', reason, null)
  }

  async ensureStopped(podId: string): Promise<void> {
    await this.cancelCreation(podId)
    this.failed.delete(podId)
    const container = this.o.docker.getContainer(containerName(podId))
    try {
      const info = await container.inspect()
      // Remember the TCP host ports so the next start asks for the same ones (users keep host:port).
      const tcp = portsFromLabel(info.Config.Labels?.[LABEL_TCP_PORTS])
      const keep = Object.fromEntries([...hostPorts(info)].filter(([port]) => tcp.includes(port)))
      if (Object.keys(keep).length > 0) this.keptTcpPorts.set(podId, keep)
      if (info.State.Running) {
        this.event(podId, 'normal', 'Killing', 'Stopping the container', null)
        await container.stop({ t: this.o.settings.stopTimeoutSeconds }).catch(ignore(304, 404))
      }
    } catch (error) {
      if (statusOf(error) !== 404) throw error
    }
    await container.remove({ force: true }).catch(ignore(404, 409))
    this.o.forget(podId)
  }

  async ensureDeleted(podId: string): Promise<void> {
    await this.cancelCreation(podId)
    const { docker } = this.o
    // The volume stays: it is the user's, removed only by deleteVolume (volumes.ts).
    await docker.getContainer(containerName(podId)).remove({ force: true }).catch(ignore(404))
    this.failed.delete(podId)
    this.keptTcpPorts.delete(podId)
    this.managed.delete(podId)
    this.o.forget(podId)
  }

  private async cancelCreation(podId: string): Promise<void> {
    const creation = this.inFlight.get(podId)
    if (!creation) return
    creation.abort.abort()
    await creation.done
  }

  private event(
    podId: string,
    type: 'normal' | 'warning',
    reason: string,
    message: string,
    progress: number | null,
  ): void {
    this.o.event({ podId, type, reason, message, progress })
  }
}

class CreateError extends Error {}
class StartError extends Error {}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
