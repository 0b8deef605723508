import type { Clock } from '../lib/clock.js'

interface Failures {
  count: number
  lastAt: number
}

/**
 * Failed sign-ins per key, slowing the key down instead of locking anything: the first `free`
 * failures cost nothing, then each further attempt must wait 1 s, 2 s, 4 s … after the last
 * failure (capped at `maxDelayMs`). A key is forgotten after `quietMs` without failures.
 *
 * In memory: with several replicas each enforces its own budget, which still bounds guessing to
 * replicas × budget. See ADR 0014 for the keys it is used with.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, Failures>()

  constructor(
    private readonly free: number,
    private readonly quietMs: number,
    private readonly clock: Clock,
    private readonly maxDelayMs = quietMs,
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const now = this.clock.now().getTime()
    const f = this.live(key, now)
    if (!f || f.count < this.free) return 0
    const delay = Math.min(this.maxDelayMs, 1000 * 2 ** Math.min(f.count - this.free, 30))
    const wait = f.lastAt + delay - now
    return wait > 0 ? Math.ceil(wait / 1000) : 0
  }

  fail(key: string): void {
    const now = this.clock.now().getTime()
    const f = this.live(key, now)
    this.failures.set(key, { count: (f?.count ?? 0) + 1, lastAt: now })
    if (this.failures.size > 100_000) this.sweep(now)
  }

  reset(key: string): void {
    this.failures.delete(key)
  }

  private live(key: string, now: number): Failures | undefined {
    const f = this.failures.get(key)
    return f && now - f.lastAt < this.quietMs ? f : undefined
  }

  private sweep(now: number): void {
    for (const [k, f] of this.failures) if (now - f.lastAt >= this.quietMs) this.failures.delete(k)
  }
}
