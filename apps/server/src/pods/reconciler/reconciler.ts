import type { Transactions } from '../../db/transaction.js'
import { type Clock, monotonicMs } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { SecretBox } from '../../lib/secrets.js'
import type { PricingService } from '../../pricing/pricing.service.js'
import type { Bus } from '../../realtime/bus.js'
import {
  type OrphanReport,
  type PodObservation,
  type PodRuntime,
  type RuntimeEvent,
  type RuntimeListener,
  RuntimeRejectedError,
} from '../../runtime/pod-runtime.js'
import type { VolumesRepository } from '../../volumes/volumes.repository.js'
import type { PodPublisher } from '../pod-publisher.js'
import type { PodsRepository } from '../pods.repository.js'
import { ObservationApplier } from './apply-observation.js'
import { Connectivity } from './connectivity.js'
import { reconcileStep } from './desired-state.js'
import { Placement } from './placement.js'
import { Readiness } from './readiness.js'
import { Resync, type ResyncAction } from './resync.js'
import { Teardown } from './teardown.js'
import { PodTransitions } from './transitions.js'
import { WorkQueue } from './work-queue.js'

/**
 * Drives the runtime towards each pod's desired state and records what the runtime observes.
 *
 * - The API only writes intent (`desired_state`) and wakes the reconciler; no request waits on a
 *   container.
 * - Work is per pod and never runs twice at once for the same pod (`work-queue.ts`); observations
 *   are applied with compare-and-set updates, so they are safe alongside a reconcile in flight.
 * - After a restart `resync()` compares the database with the runtime and converges (`resync.ts`).
 * - Everything that changes what accrues (container up or gone, pod deleted) settles the meter in
 *   the same transaction.
 *
 * This class only wires the parts: placement, teardown, observations, readiness, resync and the
 * runtime's connectivity.
 */
export interface ReconcilerDeps {
  pods: PodsRepository
  volumes: VolumesRepository
  transactions: Transactions
  clock: Clock
  runtime: PodRuntime
  publisher: PodPublisher
  pricing: PricingService
  secrets: SecretBox
  bus: Bus
  log: Logger
  readinessGraceSeconds: number
  resyncIntervalSeconds: number
  cleanupOrphans: boolean
  concurrency?: number
  /** Observes each reconcile action's duration and outcome (for /metrics) */
  onAction?: (action: string, outcome: 'ok' | 'retry' | 'rejected', seconds: number) => void
}

export class Reconciler implements RuntimeListener {
  private readonly queue: WorkQueue
  private readonly readiness: Readiness
  private readonly placement: Placement
  private readonly transitions: PodTransitions
  private readonly teardown: Teardown
  private readonly observations: ObservationApplier
  private readonly resyncer: Resync
  private readonly runtimeHealth: Connectivity
  private resyncTimer: NodeJS.Timeout | null = null

  constructor(private readonly deps: ReconcilerDeps) {
    const { pods, volumes, transactions, clock, runtime, publisher, bus, log } = deps
    const enqueue = (podId: string) => this.enqueue(podId)
    this.queue = new WorkQueue({
      concurrency: deps.concurrency ?? 16,
      reconcile: (podId) => this.reconcilePod(podId),
      log,
    })
    this.readiness = new Readiness({
      pods,
      transactions,
      runtime,
      publisher,
      clock,
      log,
      graceSeconds: deps.readinessGraceSeconds,
    })
    this.placement = new Placement({ ...deps, log, enqueue })
    const parts = {
      pods,
      transactions,
      bus,
      clock,
      publisher,
      readiness: this.readiness,
      placement: this.placement,
    }
    this.transitions = new PodTransitions({ ...parts, enqueue })
    this.teardown = new Teardown({ ...parts, volumes, runtime })
    this.observations = new ObservationApplier({
      ...parts,
      runtime,
      transitions: this.transitions,
      log,
      enqueue,
    })
    this.resyncer = new Resync({
      pods,
      volumes,
      clock,
      runtime,
      log,
      cleanupOrphans: deps.cleanupOrphans,
      act: (action) => this.act(action),
    })
    this.runtimeHealth = new Connectivity({
      ...parts,
      log,
      leading: () => this.isActive,
      recovered: () => void this.resyncSafely(),
    })
  }

  get isActive(): boolean {
    return this.queue.isOpen
  }

  get lastOrphans(): { at: string; orphans: OrphanReport[] } | null {
    return this.resyncer.lastOrphans
  }

  /** Become the replica that reconciles (leader). */
  async activate(): Promise<void> {
    if (this.queue.isOpen) return
    this.queue.start()
    this.readiness.start()
    this.resyncTimer = setInterval(() => void this.resyncSafely(), this.deps.resyncIntervalSeconds * 1000)
    await this.resyncSafely()
  }

  /** Stop taking work and wait for work in flight (graceful shutdown, lost leadership). */
  async deactivate(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer)
    this.resyncTimer = null
    this.readiness.stop()
    await this.queue.close()
  }

  enqueue(podId: string): void {
    this.queue.enqueue(podId)
  }

  /** Resolves when no reconcile work is queued or running (tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle()
  }

  /** Compare every live pod with what the runtime reports and converge. */
  doResync(): Promise<void> {
    return this.resyncer.run()
  }

  /** Admin action: report, and optionally remove, runtime objects that no pod owns. */
  orphans(remove: boolean): Promise<OrphanReport[]> {
    return this.resyncer.orphans(remove)
  }

  // ---------------------------------------------------------------- RuntimeListener

  observed(observation: PodObservation): void {
    if (!this.isActive) return
    this.queue.serially(observation.podId, () => this.observations.apply(observation))
  }

  event(event: RuntimeEvent): void {
    if (!this.isActive) return
    this.queue.serially(event.podId, () => this.deps.publisher.event(event.podId, event))
  }

  resync(): void {
    void this.resyncSafely()
  }

  connectivity(reachable: boolean, detail: string | null): void {
    this.runtimeHealth.changed(reachable, detail)
  }

  get reachable(): boolean {
    return this.runtimeHealth.reachable
  }

  /** Why the runtime is unreachable, or null while it is reachable. */
  get unreachableReason(): string | null {
    return this.runtimeHealth.unreachableReason
  }

  // ---------------------------------------------------------------- internals

  /** Pods waiting in the work queue and being reconciled. */
  get queueLength(): { waiting: number; running: number } {
    return this.queue.length
  }

  private async reconcilePod(podId: string): Promise<void> {
    const pod = await this.deps.pods.byId(podId)
    if (!pod || pod.status === 'deleted') return
    const step = reconcileStep(pod)
    const started = monotonicMs()
    const observe = (outcome: 'ok' | 'retry' | 'rejected') => {
      if (step !== 'none') this.deps.onAction?.(step, outcome, (monotonicMs() - started) / 1000)
    }
    try {
      switch (step) {
        case 'place':
          await this.placement.place(pod)
          break
        case 'sync-access':
          await this.placement.syncAccess(pod)
          break
        case 'stop':
          await this.teardown.stop(pod)
          break
        case 'remove':
          await this.teardown.remove(pod)
          break
        case 'none':
          break
      }
      this.queue.succeeded(podId)
      observe('ok')
    } catch (error) {
      observe(error instanceof RuntimeRejectedError ? 'rejected' : 'retry')
      if (error instanceof RuntimeRejectedError) {
        await this.transitions.fail(podId, `The runtime rejected the pod: ${error.message}`, null)
        return
      }
      const message = error instanceof Error ? error.message : String(error)
      await this.transitions.setReason(podId, `Runtime error, retrying: ${message}`)
      this.queue.retryLater(podId, message)
    }
  }

  private async act(action: ResyncAction): Promise<void> {
    switch (action.kind) {
      case 'reconcile':
        return this.enqueue(action.podId)
      case 'observe':
        return this.queue.serially(action.podId, () => this.observations.apply(action.observation, true))
      case 'finish-stop':
        await this.deps.pods.setIf(
          action.podId,
          { statuses: ['stopped'] },
          { status: 'stopping' },
          this.deps.clock.now(),
        )
        return this.enqueue(action.podId)
    }
  }

  private resyncSafely(): Promise<void> {
    if (!this.isActive) return Promise.resolve()
    return this.resyncer.safely()
  }
}
