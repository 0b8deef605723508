import { settleAndAnnounce } from '../../billing/settlement.js'
import type { PodRow } from '../../db/schema.js'
import type { Transactions } from '../../db/transaction.js'
import type { Clock } from '../../lib/clock.js'
import type { Bus } from '../../realtime/bus.js'
import type { PodRuntime } from '../../runtime/pod-runtime.js'
import type { VolumesRepository } from '../../volumes/volumes.repository.js'
import { releaseGpus } from '../gpu-allocator.js'
import type { PodPublisher } from '../pod-publisher.js'
import type { PodsRepository } from '../pods.repository.js'
import type { Placement } from './placement.js'
import type { Readiness } from './readiness.js'

export interface TeardownDeps {
  pods: PodsRepository
  volumes: VolumesRepository
  transactions: Transactions
  bus: Bus
  clock: Clock
  runtime: PodRuntime
  publisher: PodPublisher
  readiness: Readiness
  placement: Placement
}

/**
 * Stop (container gone, volume and URLs kept) and delete (container gone; the volume too only when
 * the delete asked for it, else it stays the user's, ADR 0016). The runtime acts first; then one
 * transaction settles the meter, releases the GPUs and records the new status, unless the intent
 * changed meanwhile (a start after the stop, say).
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
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id], pod.volume_id ? [pod.volume_id] : [])
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
    const volume = await this.volumeToDelete(pod)
    if (volume) await this.deps.runtime.deleteVolume(volume.runtime_name)
    const now = this.deps.clock.now()
    const done = await this.deps.transactions.run(async (tx) => {
      const current = await this.deps.pods.lock(tx, pod.id)
      if (current?.desired_state !== 'deleted' || current.status === 'deleted') return false
      // The volume is settled too (it keeps accruing unless deleted): one balance update for both.
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id], pod.volume_id ? [pod.volume_id] : [])
      if (volume) await this.deps.volumes.markDeleted(tx, volume.id, now)
      await releaseGpus(tx.trx, pod.id)
      await this.deps.pods.markRemoved(tx, pod.id, now)
      return true
    })
    if (!done) return
    this.deps.publisher.deleted(pod.id, pod.user_id, pod.name)
    this.deps.placement.gpuReleased()
  }

  /** The pod's volume, when its delete asked for it and no other pod mounts it. */
  private async volumeToDelete(pod: PodRow) {
    if (!pod.delete_volume || !pod.volume_id) return null
    const volume = await this.deps.volumes.byId(pod.volume_id)
    if (!volume) return null
    const others = await this.deps.transactions.run((tx) => this.deps.volumes.holders(tx, volume.id))
    return others.some((o) => o.id !== pod.id) ? null : volume
  }
}
