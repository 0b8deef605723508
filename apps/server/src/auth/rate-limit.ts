import type { Clock } from '../lib/clock.js'

/**
 * Counts failed logins per key (client address, e-mail) in fixed windows. In memory: with several
 * replicas each enforces its own budget, which still bounds guessing to replicas × max per window.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>()

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const w = this.windows.get(key)
    const now = this.clock.now().getTime()
    if (!w || w.resetAt <= now) return 0
    return w.count >= this.max ? Math.ceil((w.resetAt - now) / 1000) : 0
  }

  fail(key: string): void {
    const now = this.clock.now().getTime()
    const w = this.windows.get(key)
    if (!w || w.resetAt <= now) this.windows.set(key, { count: 1, resetAt: now + this.windowMs })
    else w.count++
    if (this.windows.size > 100_000) this.sweep(now)
  }

  reset(key: string): void {
    this.windows.delete(key)
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
  }
}
