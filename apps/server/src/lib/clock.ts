/** Time comes from here, never from `new Date()` in domain code, so tests can drive it. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/**
 * Milliseconds on a monotonic clock, for intervals a process measures about its own work (cache
 * lifetimes, rate limits, back-off, grace periods, uptime). These are not the platform's time:
 * nothing stores or bills them, they must not jump when the wall clock is set, and a test's manual
 * clock must not freeze them. Everything that is stored, compared with stored times or shown
 * (billing, expiry, timestamps) reads the injected `Clock`.
 */
export function monotonicMs(): number {
  return performance.now()
}
