import type { PodRow } from '../../db/schema.js'
import type { Transactions } from '../../db/transaction.js'
import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { SecretBox } from '../../lib/secrets.js'
import { gpuDisplayName } from '../../pricing/catalog.js'
import type { PricingService } from '../../pricing/pricing.service.js'
import {
  type PodRuntime,
  type PodSpec,
  RuntimeRejectedError,
  RuntimeWaitError,
} from '../../runtime/pod-runtime.js'
import type { VolumesRepository } from '../../volumes/volumes.repository.js'
import { allocateGpus } from '../gpu-allocator.js'
import type { PodPublisher } from '../pod-publisher.js'
import type { PodsRepository } from '../pods.repository.js'
import { podSpec, usesGpus } from './pod-spec.js'

/** Why a pod waits for a GPU, as its owner reads it. */
export function gpuWaitReason(
  shortage: { free: number; total: number; position?: number },
  gpuName: string,
  needed: number,
): string {
  if (shortage.total === 0) return `Waiting for a GPU: this machine has no ${gpuName}`
  const place = shortage.position === undefined ? '' : ` (queued: position ${shortage.position})`
  return `Waiting for a free ${gpuName}${place}: ${shortage.free} of ${shortage.total} free, ${needed} needed`
}

export interface PlacementDeps {
  pods: PodsRepository
  volumes: VolumesRepository
  transactions: Transactions
  clock: Clock
  runtime: PodRuntime
  publisher: PodPublisher
  pricing: PricingService
  secrets: SecretBox
  log: Logger
  enqueue: (podId: string) => void
}

/**
 * Puts a pod that should run onto the runtime: reserves GPU devices when the platform places them
 * (docker), then asks the runtime to run it. Pods that find no free device wait in `pending` and
 * are tried again whenever a device is released (and on every resync).
 */
export class Placement {
  constructor(private readonly deps: PlacementDeps) {}

  async place(pod: PodRow): Promise<void> {
    let deviceIds: string[] | null = null
    if (usesGpus(pod)) {
      const inventory = await this.deps.runtime.gpuDevices()
      if (inventory) {
        const now = this.deps.clock.now()
        const allocation = await this.deps.transactions.run((tx) =>
          allocateGpus(tx.trx, pod.id, pod.gpu, pod.gpu_count, inventory, now),
        )
        if (!allocation.ok) return this.waitForGpu(pod, allocation)
        deviceIds = allocation.deviceIds
        // The pods queued behind it moved up: their positions are told again.
        if (allocation.leftQueue) this.gpuReleased()
      }
    }
    try {
      await this.deps.runtime.ensureRunning(await this.spec(pod, deviceIds))
    } catch (error) {
      if (!(error instanceof RuntimeWaitError)) throw error
      await this.deps.pods.setIf(
        pod.id,
        { statuses: ['pending'] },
        { status_reason: error.message },
        this.now(),
      )
      await this.deps.publisher.update(pod.id)
      return
    }
    const moved = await this.deps.pods.setIf(
      pod.id,
      { statuses: ['pending'] },
      { status: 'creating', status_reason: null },
      this.now(),
    )
    if (moved) await this.deps.publisher.update(pod.id)
  }

  /** The spec a runtime is asked to run, with its volume and the Jupyter token unsealed. */
  async spec(pod: PodRow, deviceIds: string[] | null): Promise<PodSpec> {
    const volume = pod.volume_id ? await this.deps.volumes.byId(pod.volume_id) : undefined
    if (!volume) throw new RuntimeRejectedError('The volume of this pod no longer exists')
    const token = pod.jupyter_token_sealed ? this.deps.secrets.open(pod.jupyter_token_sealed) : null
    return podSpec(pod, volume, deviceIds, token)
  }

  /** Runtimes that enforce per-port access themselves (kubernetes Ingresses) get the current one. */
  async syncAccess(pod: PodRow): Promise<void> {
    if (!this.deps.runtime.updateAccess || !['creating', 'running'].includes(pod.status)) return
    await this.deps.runtime.updateAccess(await this.spec(pod, null))
  }

  /**
   * A GPU was released, or the queue moved: pods waiting for one get another chance (and their
   * position is told again), longest waiting first.
   */
  gpuReleased(): void {
    this.deps.pods
      .waitingForGpu()
      .then((ids) => {
        for (const id of ids) this.deps.enqueue(id)
      })
      .catch((error) => this.deps.log.error({ err: error }, 'waking pending pods failed'))
  }

  private async waitForGpu(
    pod: PodRow,
    shortage: { free: number; total: number; position: number },
  ): Promise<void> {
    const name = gpuDisplayName(pod.gpu, await this.deps.pricing.get())
    const reason = gpuWaitReason(shortage, name, pod.gpu_count)
    if (pod.status_reason === reason) return
    await this.deps.pods.setIf(pod.id, { statuses: ['pending'] }, { status_reason: reason }, this.now())
    await this.deps.publisher.event(pod.id, {
      type: 'warning',
      reason: 'Waiting',
      message: reason,
      progress: 5,
    })
    await this.deps.publisher.update(pod.id)
  }

  private now(): Date {
    return this.deps.clock.now()
  }
}
