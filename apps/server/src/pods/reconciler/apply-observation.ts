import { settleAndAnnounce } from '../../billing/settlement.js'
import type { PodRow } from '../../db/schema.js'
import type { Transactions } from '../../db/transaction.js'
import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { Bus } from '../../realtime/bus.js'
import type { PodObservation, PodRuntime } from '../../runtime/pod-runtime.js'
import type { PodPublisher } from '../pod-publisher.js'
import type { PodsRepository } from '../pods.repository.js'
import { observationStep, runningStep } from './observations.js'
import type { Placement } from './placement.js'
import type { Readiness } from './readiness.js'
import type { PodTransitions } from './transitions.js'

export interface ObservationDeps {
  pods: PodsRepository
  transactions: Transactions
  bus: Bus
  clock: Clock
  runtime: Pick<PodRuntime, 'persistent'>
  publisher: PodPublisher
  transitions: PodTransitions
  placement: Placement
  readiness: Readiness
  log: Logger
  enqueue: (podId: string) => void
}

/** Records what the runtime reports: decides with `observationStep`, then writes and publishes. */
export class ObservationApplier {
  constructor(private readonly deps: ObservationDeps) {}

  async apply(o: PodObservation, duringResync = false): Promise<void> {
    const pod = await this.deps.pods.byId(o.podId)
    if (!pod) return
    const step = observationStep(pod, o, { duringResync, persistent: this.deps.runtime.persistent })
    switch (step.kind) {
      case 'ignore':
        return
      case 'reconcile':
        return this.deps.enqueue(pod.id)
      case 'progress':
        await this.deps.transitions.show(
          pod.id,
          { statuses: ['pending', 'creating'] },
          { status: step.status, status_reason: step.reason },
        )
        return
      case 'running':
        if (step.syncAccess)
          await this.deps.placement
            .syncAccess(pod)
            .catch((error) =>
              this.deps.log.warn({ err: error, podId: pod.id }, 're-applying port access failed; will retry'),
            )
        return this.containerRunning(pod, o)
      case 'fail':
        return this.deps.transitions.fail(pod.id, step.reason, step.exitCode)
      case 'reset':
        return this.deps.transitions.resetToPending(pod.id, step.reason)
    }
  }

  private async containerRunning(pod: PodRow, o: PodObservation): Promise<void> {
    const step = runningStep(pod, o)
    if (step.kind === 'refresh') {
      if (step.tcp) {
        await this.deps.pods.setTcpServices(pod.id, step.tcp)
        await this.deps.publisher.update(pod.id)
      }
      if (step.probe) this.deps.readiness.track(pod.id)
      return
    }
    const now = this.deps.clock.now()
    const started = await this.deps.transactions.run(async (tx) => {
      const current = await this.deps.pods.lock(tx, pod.id)
      if (
        !current ||
        current.compute_active ||
        current.desired_state !== 'running' ||
        !['pending', 'creating'].includes(current.status)
      )
        return false
      // Compute accrues from this instant: settle storage-only time first.
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id])
      await this.deps.pods.markComputeStarted(tx, pod, step.tcp, o.startedAt ?? now, now)
      return true
    })
    if (!started) return
    await this.deps.publisher.update(pod.id)
    this.deps.readiness.track(pod.id)
  }
}
