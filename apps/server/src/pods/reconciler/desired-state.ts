import type { PodRow } from '../../db/schema.js'

/** What reconciling a pod means now, from its desired and recorded state. */
export type ReconcileStep =
  /** Wants to run and has no container yet (or a half-made one): place it */
  | 'place'
  /** Runs: re-apply per-port access where the runtime enforces it */
  | 'sync-access'
  | 'stop'
  | 'remove'
  | 'none'

export function reconcileStep(
  pod: Pick<PodRow, 'status' | 'desired_state' | 'compute_active'>,
): ReconcileStep {
  if (pod.status === 'deleted') return 'none'
  switch (pod.desired_state) {
    case 'running':
      if (pod.status === 'pending' || (pod.status === 'creating' && !pod.compute_active)) return 'place'
      return pod.compute_active ? 'sync-access' : 'none'
    case 'stopped':
      return pod.status === 'stopped' ? 'none' : 'stop'
    case 'deleted':
      return 'remove'
  }
}
