import type { Logger } from '../../lib/logger.js'

const RETRY_MAX_MS = 60_000

/** Wait before retry number `attempt` (1, 2, …): 1 s, 2 s, 4 s … up to a minute. */
export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_MAX_MS, 500 * 2 ** Math.min(attempt, 8))
}

export interface WorkQueueOptions {
  /** Pods reconciled at once (runtime calls in flight) */
  concurrency: number
  /** Reconciles one pod; errors are logged, never thrown at the caller of `enqueue` */
  reconcile: (podId: string) => Promise<void>
  log: Logger
}

/**
 * The reconciler's scheduling: at most `concurrency` pods at once and never the same pod twice at
 * once, retries with backoff, and per-pod chains that apply runtime observations one at a time in
 * the order they arrived. Closed until the replica leads; closing drops what is queued.
 */
export class WorkQueue {
  private readonly queued = new Set<string>()
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly retries = new Map<string, { attempt: number; timer: NodeJS.Timeout }>()
  private readonly chains = new Map<string, Promise<unknown>>()
  private open = false

  constructor(private readonly options: WorkQueueOptions) {}

  get isOpen(): boolean {
    return this.open
  }

  /** Pods waiting for a turn, and pods being reconciled now (for /metrics). */
  get length(): { waiting: number; running: number } {
    return { waiting: this.queued.size, running: this.inFlight.size }
  }

  start(): void {
    this.open = true
  }

  /** Stop taking work, drop what waits, and wait for what runs. */
  async close(): Promise<void> {
    this.open = false
    for (const r of this.retries.values()) clearTimeout(r.timer)
    this.retries.clear()
    this.queued.clear()
    await Promise.allSettled([...this.inFlight.values(), ...this.chains.values()])
  }

  enqueue(podId: string): void {
    if (!this.open) return
    this.queued.add(podId)
    this.pump()
  }

  /** Resolves when no work is queued or running (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.queued.size > 0 || this.inFlight.size > 0 || this.chains.size > 0) {
      await Promise.allSettled([...this.inFlight.values(), ...this.chains.values()])
      await new Promise((r) => setImmediate(r))
    }
  }

  /** Reconcile `podId` again after a backoff that grows with each consecutive failure. */
  retryLater(podId: string, reason: string): void {
    const previous = this.retries.get(podId)
    if (previous) clearTimeout(previous.timer)
    const attempt = (previous?.attempt ?? 0) + 1
    const delay = retryDelayMs(attempt)
    this.options.log.warn({ podId, attempt, delay, reason }, 'reconcile will retry')
    const timer = setTimeout(() => {
      this.retries.set(podId, { attempt, timer })
      this.enqueue(podId)
    }, delay)
    this.retries.set(podId, { attempt, timer })
  }

  /** The pod reconciled cleanly: the next failure starts the backoff from the beginning. */
  succeeded(podId: string): void {
    const r = this.retries.get(podId)
    if (r) clearTimeout(r.timer)
    this.retries.delete(podId)
  }

  /** Runs `work` after every earlier piece of work for the same pod (runtime observations keep their order). */
  serially(podId: string, work: () => Promise<unknown>): void {
    const previous = this.chains.get(podId) ?? Promise.resolve()
    const next = previous
      .then(work)
      .catch((error) => this.options.log.error({ err: error, podId }, 'applying runtime observation failed'))
      .finally(() => {
        if (this.chains.get(podId) === next) this.chains.delete(podId)
      })
    this.chains.set(podId, next)
  }

  private pump(): void {
    for (const podId of [...this.queued]) {
      if (this.inFlight.size >= this.options.concurrency) return
      if (this.inFlight.has(podId)) continue
      this.queued.delete(podId)
      const work = this.options
        .reconcile(podId)
        .catch((error) => this.options.log.error({ err: error, podId }, 'reconcile failed'))
        .finally(() => {
          this.inFlight.delete(podId)
          this.pump()
        })
      this.inFlight.set(podId, work)
    }
  }
}
