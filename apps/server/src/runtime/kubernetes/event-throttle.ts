import type { RuntimeEvent } from '../pod-runtime.js'

/**
 * Which Kubernetes Events become lifecycle events for the platform. The events informer hears
 * every Event of the namespace again after each relist and each count bump, so:
 * - Events listed before the first sync are history from before this process started: remembered,
 *   never reported;
 * - an Event whose count did not grow is a repeat delivery: ignored;
 * - an Event that repeats (BackOff every few seconds) is reported at most once a minute per pod
 *   and reason ('suppress' still lets the caller learn from it, e.g. a pull error's message).
 */

export type EventDecision = 'ignore' | 'suppress' | 'report'

const EVENT_REPEAT_MS = 60_000
const MAX_REMEMBERED_KEYS = 10_000

export class EventThrottle {
  /** Highest count seen per Event uid */
  private readonly seen = new Map<string, number>()
  /** When an event of each pod and reason was last reported */
  private readonly lastReported = new Map<string, number>()

  admit(
    uid: string,
    count: number,
    event: Pick<RuntimeEvent, 'podId' | 'reason'> | null,
    synced: boolean,
    now: number,
  ): EventDecision {
    const seen = this.seen.get(uid)
    this.seen.set(uid, count)
    if (!synced) return 'ignore'
    if (seen !== undefined && seen >= count) return 'ignore'
    if (!event) return 'ignore'
    const key = `${event.podId}/${event.reason}`
    const last = this.lastReported.get(key)
    if (seen !== undefined && last !== undefined && now - last < EVENT_REPEAT_MS) return 'suppress'
    this.lastReported.set(key, now)
    if (this.lastReported.size > MAX_REMEMBERED_KEYS) this.lastReported.clear()
    return 'report'
  }

  /** The Event was deleted (expired on the cluster). */
  forget(uid: string | undefined): void {
    if (uid) this.seen.delete(uid)
  }
}
