import { settleAndAnnounce } from '../../billing/settlement.js'
import type { Transactions } from '../../db/transaction.js'
import type { Clock } from '../../lib/clock.js'
import type { Bus } from '../../realtime/bus.js'
import { releaseGpus } from '../gpu-allocator.js'
import type { PodPublisher } from '../pod-publisher.js'
import type { PodGuard, PodsRepository } from '../pods.repository.js'
import type { Placement } from './placement.js'
import type { Readiness } from './readiness.js'

export interface TransitionsDeps {
  pods: PodsRepository
  transactions: Transactions
  bus: Bus
  clock: Clock
  publisher: PodPublisher
  readiness: Readiness
  placement: Placement
  enqueue: (podId: string) => void
}

/**
 * Status changes more than one part of the reconciler makes. Each is one compare-and-set (or one
 * transaction that also settles the meter), published only if it applied.
 */
export class PodTransitions {
  constructor(private readonly deps: TransitionsDeps) {}

  /** Shows what the pod is waiting for (runtime progress), while it matches `guard`. */
  async show(
    podId: string,
    guard: PodGuard,
    set: { status?: 'pending' | 'creating' | 'stopping' | 'deleting'; status_reason?: string | null },
  ): Promise<boolean> {
    const applied = await this.deps.pods.setIf(podId, guard, set, this.deps.clock.now())
    if (applied) await this.deps.publisher.update(podId)
    return applied
  }

  /** A transient runtime failure: the reason shows while the reconciler retries. */
  async setReason(podId: string, reason: string): Promise<void> {
    await this.show(
      podId,
      { statuses: ['pending', 'creating', 'stopping', 'deleting'] },
      { status_reason: reason.slice(0, 500) },
    )
  }

  /** The pod cannot run: settle, release its GPUs, `error` with the reason, tell the owner and admins. */
  async fail(podId: string, reason: string, exitCode: number | null): Promise<void> {
    const now = this.deps.clock.now()
    const failed = await this.deps.transactions.run(async (tx) => {
      const pod = await this.deps.pods.lock(tx, podId)
      if (pod?.desired_state !== 'running' || !['pending', 'creating', 'running'].includes(pod.status))
        return null
      await settleAndAnnounce(tx, this.deps.bus, now, [podId])
      await releaseGpus(tx.trx, podId)
      await this.deps.pods.markFailed(tx, pod, reason, exitCode, now)
      return pod
    })
    if (!failed) return
    this.deps.readiness.untrack(podId)
    // The status first: it is what a watching user waits for (the event row costs another write).
    await this.deps.publisher.update(podId)
    await this.deps.publisher.event(podId, {
      type: 'warning',
      reason: 'Failed',
      message: reason,
      progress: null,
    })
    this.deps.bus.publish({
      kind: 'admins',
      event: 'adminNotification',
      payload: {
        type: 'adminNotification',
        kind: 'podFailed',
        message: `Pod ${failed.name} failed: ${reason}`,
        podId,
        userId: failed.user_id,
        timestamp: now.toISOString(),
      },
    })
    this.deps.placement.gpuReleased()
  }

  /** Place the pod again from scratch (settling what its container accrued). */
  async resetToPending(podId: string, reason: string): Promise<void> {
    const now = this.deps.clock.now()
    await this.deps.transactions.run(async (tx) => {
      await settleAndAnnounce(tx, this.deps.bus, now, [podId])
      await this.deps.pods.resetToPending(tx, podId, reason, now)
    })
    await this.deps.publisher.update(podId)
    this.deps.enqueue(podId)
  }
}
