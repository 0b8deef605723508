import type Dockerode from 'dockerode'
import type { Logger } from '../../lib/logger.js'
import type { PodObservation, RuntimeListener } from '../pod-runtime.js'
import { type CreationState, creatingObservation } from './creation-state.js'
import { statusOf } from './engine.js'
import type { ContainerEvent } from './event-watcher.js'
import { containerName, instanceFilter, isPodId, LABEL_POD } from './names.js'
import { absentObservation, hostPorts, type Inspect, observationFromInspect } from './observations.js'

/**
 * The watch half of the Docker adapter: observations come from inspecting the container whenever
 * the engine's event stream mentions it (and right after this runtime starts it), so stale or
 * reordered events cannot mislead. It keeps what it learnt of each running container (host
 * ports, GPU devices) for endpoints and usage.
 */

export interface ContainerFacts {
  containerId: string
  hostPorts: Map<number, number>
  gpuDevices: string[]
}

export interface ContainerObserverOptions {
  docker: Dockerode
  instanceId: string
  log: Logger
  /** Host name users connect to for TCP ports */
  tcpHost: string
  /** Where this process reaches ports published on the engine's bind address */
  endpointHost: string
  creations: CreationState
  listener(): RuntimeListener | null
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

export class ContainerObserver {
  private readonly facts = new Map<string, ContainerFacts>()
  private readonly oomKilled = new Set<string>()
  private readonly refreshing = new Map<string, { again: boolean }>()

  constructor(private readonly o: ContainerObserverOptions) {}

  factsOf(podId: string): ContainerFacts | undefined {
    return this.facts.get(podId)
  }

  forget(podId: string): void {
    this.facts.delete(podId)
  }

  async list(): Promise<PodObservation[]> {
    const summaries = await this.o.docker.listContainers({
      all: true,
      filters: instanceFilter(this.o.instanceId),
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
    for (const [podId, creation] of this.o.creations.creations())
      if (!observations.has(podId)) observations.set(podId, creatingObservation(podId, creation))
    for (const [podId, reason] of this.o.creations.failures())
      if (!observations.has(podId))
        observations.set(podId, { ...absentObservation(podId), phase: 'failed', reason })
    return [...observations.values()]
  }

  /** The pod's current observation from the engine, or null when the engine does not answer. */
  async observe(podId: string): Promise<PodObservation | null> {
    const creation = () => this.o.creations.creation(podId)
    try {
      const info = (await this.o.docker.getContainer(containerName(podId)).inspect()) as Inspect
      const observation = observationFromInspect(info, {
        tcpHost: this.o.tcpHost,
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
      const inFlight = creation()
      if (inFlight && observation.phase !== 'running') return creatingObservation(podId, inFlight)
      return { ...observation, podId }
    } catch (error) {
      if (statusOf(error) !== 404) return null
      this.facts.delete(podId)
      const inFlight = creation()
      if (inFlight) return creatingObservation(podId, inFlight)
      const failure = this.o.creations.failure(podId)
      if (failure) return { ...absentObservation(podId), phase: 'failed', reason: failure }
      return absentObservation(podId)
    }
  }

  /** Inspects the pod and reports it; concurrent calls for one pod collapse into one more. */
  refresh(podId: string): void {
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
        if (observation) this.o.listener()?.observed(observation)
      } while (state.again)
    })()
      .catch((error: unknown) => this.o.log.warn({ err: error, podId }, 'observing a container failed'))
      .finally(() => this.refreshing.delete(podId))
  }

  onEngineEvent(event: ContainerEvent): void {
    if (event.action === 'oom') this.oomKilled.add(event.containerId)
    if (event.action === 'destroy' || event.action === 'remove') this.oomKilled.delete(event.containerId)
    if (event.action === 'die' && this.facts.get(event.podId)?.containerId === event.containerId) {
      // The container we saw running died: the event says enough to report it at once (the
      // inspect that follows confirms it, and the reconciler ignores the repeat).
      this.facts.delete(event.podId)
      this.o.listener()?.observed({
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
    if (!facts && !this.o.creations.creation(podId)) {
      await this.observe(podId)
      facts = this.facts.get(podId)
    }
    const hostPort = facts?.hostPorts.get(port)
    return hostPort ? { host: this.o.endpointHost, port: hostPort } : null
  }
}

function envValue(env: string[] | null | undefined, name: string): string {
  const entry = env?.find((e) => e.startsWith(`${name}=`))
  return entry ? entry.slice(name.length + 1) : ''
}
