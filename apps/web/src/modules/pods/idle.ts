import type { Pod } from '../../api/types'

export interface UpcomingStop {
  at: string
  kind: 'idle' | 'max runtime' | 'scheduled'
  minutesLeft: number
}

/** The automatic stop the owner should be warned about now (within the lead), or null. */
export function upcomingStop(pod: Pod, leadMinutes: number, now: number): UpcomingStop | null {
  const next = pod.idle.nextStop
  if (pod.desiredState !== 'running' || !next) return null
  const left = new Date(next.at).getTime() - now
  if (left > leadMinutes * 60_000) return null
  return { at: next.at, kind: next.kind, minutesLeft: Math.max(0, Math.ceil(left / 60_000)) }
}

/** The last automatic stop, shown on a stopped pod until Start undoes it. */
export function autoStopReason(pod: Pod): string | null {
  return pod.desiredState === 'stopped' ? pod.idle.lastAutoStop : null
}

/** Hours the balance covers at the hourly cost of the running pods, or null when nothing accrues. */
export function runwayHours(balance: number | 'Infinity', pods: Pod[]): number | null {
  if (balance === 'Infinity') return null
  const burn = pods
    .filter((p) => p.metered && p.desiredState !== 'deleted')
    .reduce((sum, p) => sum + (p.desiredState === 'running' ? p.costPerHour : p.storageCostPerHour), 0)
  return burn > 0 ? Math.max(0, balance / burn) : null
}
