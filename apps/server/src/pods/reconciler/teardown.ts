import { settleAndAnnounce } from '../../billing/settlement.js'
import type { PodRow } from '../../db/schema.js'
import type { Transactions } from '../../db/transaction.js'
import type { Clock } from '../../lib/clock.js'
import type { Bus } from '../../realtime/bus.js'
import type { PodRuntime } from '../../runtime/pod-runtime.js'
import { releaseGpus } from '../gpu-allocator.js'
import type { PodPublisher } from '../pod-publisher.js'
import type { PodsRepository } from '../pods.repository.js'
import type { Placement } from './placement.js'
import type { Readiness } from './readiness.js'

export interface TeardownDeps {
  pods: PodsRepository
  transactions: Transactions
  bus: Bus
  clock: Clock
  runtime: PodRuntime
  publisher: PodPublisher
  readiness: Readiness
  placement: Placement
}

/**
 * Stop (container gone, volume and URLs kept) and delete (container and volume gone). The runtime
 * acts first; then one transaction settles the meter, releases the GPUs and records the new status,
 * unless the intent changed meanwhile (a start after the stop, say).
 */
export class Teardown {
  constructor(private readonly deps: TeardownDeps) {}

  async stop(pod: PodRow): Promise<void> {
    if (pod.status !== 'stopping') {
      await this.deps.pods.setIf(
        pod.id,
        { statuses: ['pending', 'creating', 'running', 'error'], desired: 'stopped' },
        { status: 'stopping' },
        this.deps.clock.now(),
      )
      await this.deps.publisher.update(pod.id)
    }
    this.deps.readiness.untrack(pod.id)
    await this.deps.runtime.ensureStopped(pod.id)
    const now = this.deps.clock.now()
    const done = await this.deps.transactions.run(async (tx) => {
      const current = await this.deps.pods.lock(tx, pod.id)
      if (current?.desired_state !== 'stopped' || current.status === 'stopped') return false
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id])
      await releaseGpus(tx.trx, pod.id)
      await this.deps.pods.markStopped(tx, current, now)
      return true
    })
    if (!done) return
    await this.deps.publisher.event(pod.id, {
      type: 'normal',
      reason: 'Stopped',
      message: 'Pod stopped; its volume and URLs are kept',
      progress: null,
    })
    await this.deps.publisher.update(pod.id)
    this.deps.placement.gpuReleased()
  }

  async remove(pod: PodRow): Promise<void> {
    if (pod.status !== 'deleting')
      await this.deps.pods.setIf(pod.id, { statuses: null }, { status: 'deleting' }, this.deps.clock.now())
    this.deps.readiness.untrack(pod.id)
    await this.deps.runtime.ensureDeleted(pod.id)
    const now = this.deps.clock.now()
    const done = await this.deps.transactions.run(async (tx) => {
      const current = await this.deps.pods.lock(tx, pod.id)
      if (current?.desired_state !== 'deleted' || current.status === 'deleted') return false
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id])
      await releaseGpus(tx.trx, pod.id)
      await this.deps.pods.markRemoved(tx, pod.id, now)
      return true
    })
    if (!done) return
    this.deps.publisher.deleted(pod.id, pod.user_id, pod.name)
    this.deps.placement.gpuReleased()
  }
}
