import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { Bus } from '../../realtime/bus.js'
import type { PodPublisher } from '../pod-publisher.js'
import type { PodsRepository } from '../pods.repository.js'

export interface ConnectivityDeps {
  pods: PodsRepository
  publisher: PodPublisher
  bus: Bus
  clock: Clock
  log: Logger
  /** Whether this replica leads (only the leader tells admins and users) */
  leading: () => boolean
  /** The runtime answers again: compare everything with it */
  recovered: () => void
}

/**
 * Whether the container runtime answers. Admins hear when that changes; live pods are published
 * again, because their views say their state is the last one known while it does not.
 */
export class Connectivity {
  private reachableNow = true
  private detail: string | null = null

  constructor(private readonly deps: ConnectivityDeps) {}

  get reachable(): boolean {
    return this.reachableNow
  }

  /** Why the runtime is unreachable, or null while it is reachable. */
  get unreachableReason(): string | null {
    return this.detail
  }

  changed(reachable: boolean, detail: string | null): void {
    if (reachable === this.reachableNow) return
    this.reachableNow = reachable
    this.detail = reachable ? null : (detail ?? 'no detail')
    this.deps.log[reachable ? 'info' : 'warn'](
      { detail },
      reachable ? 'runtime reachable again' : 'runtime unreachable',
    )
    if (!this.deps.leading()) return
    this.deps.bus.publish({
      kind: 'admins',
      event: 'adminNotification',
      payload: {
        type: 'adminNotification',
        kind: reachable ? 'runtimeRecovered' : 'runtimeUnreachable',
        message: reachable
          ? 'The container runtime is reachable again'
          : `The container runtime is unreachable${detail ? `: ${detail}` : ''}`,
        timestamp: this.deps.clock.now().toISOString(),
      },
    })
    if (reachable) this.deps.recovered()
    void this.publishLivePods()
  }

  private async publishLivePods(): Promise<void> {
    try {
      for (const id of await this.deps.pods.liveIds()) await this.deps.publisher.update(id)
    } catch (error) {
      this.deps.log.warn({ err: error }, 'publishing pods after a runtime connectivity change failed')
    }
  }
}
