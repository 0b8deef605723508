import type { ActivityObservation, ActivitySignal, RunningPod } from '../activity-signal.js'

/**
 * Open terminal and SSH sessions per pod, as the session gateway counts them. The gateway is not
 * part of this module: whoever owns the sessions implements this and hands it to the platform.
 */
export interface OpenSessionCounter {
  openSessions(podIds: readonly string[]): Promise<Map<string, number>>
}

/** A pod with an open terminal or SSH session is active ("terminal open"). */
export class SessionsSignal implements ActivitySignal {
  readonly name = 'sessions'

  constructor(private readonly counter: OpenSessionCounter) {}

  async sample(pods: readonly RunningPod[], now: Date): Promise<ActivityObservation[]> {
    if (pods.length === 0) return []
    const counts = await this.counter.openSessions(pods.map((p) => p.id))
    const out: ActivityObservation[] = []
    for (const [podId, n] of counts)
      if (n > 0)
        out.push({
          podId,
          at: now,
          source: 'terminal',
          detail: n === 1 ? 'terminal open' : `${n} terminals open`,
        })
    return out
  }
}
