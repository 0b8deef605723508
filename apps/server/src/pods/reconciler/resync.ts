import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { OrphanReport, PodObservation, PodRuntime } from '../../runtime/pod-runtime.js'
import type { VolumesRepository } from '../../volumes/volumes.repository.js'
import type { PodSummary, PodsRepository } from '../pods.repository.js'

/** One thing a resync does for one pod, in order. */
export type ResyncAction =
  | { kind: 'reconcile'; podId: string }
  /** Apply what the runtime reports now, as a resync (it may re-create or fail the pod) */
  | { kind: 'observe'; podId: string; observation: PodObservation }
  /** Stopped in the database but something still runs (an interrupted stop): stop it again */
  | { kind: 'finish-stop'; podId: string }

export function absent(podId: string): PodObservation {
  return { podId, phase: 'absent', reason: null, exitCode: null, startedAt: null, tcpEndpoints: [] }
}

/** Compares every live pod with what the runtime reports (a pod it does not report is absent). */
export function resyncPlan(pods: PodSummary[], observed: Map<string, PodObservation>): ResyncAction[] {
  const actions: ResyncAction[] = []
  for (const pod of pods) {
    const o = observed.get(pod.id) ?? absent(pod.id)
    const reconcile = { kind: 'reconcile', podId: pod.id } as const
    if (pod.desired_state === 'running') {
      if (pod.status === 'pending') actions.push(reconcile)
      else if (pod.status === 'creating' || pod.status === 'running') {
        actions.push({ kind: 'observe', podId: pod.id, observation: o })
        // Creating without compute: the runtime may hold a half-made container (a crash between
        // "create" and "start") that no event will ever move on. Placing again is idempotent
        // and finishes it.
        if (pod.status === 'creating' && !pod.compute_active && o.phase === 'creating')
          actions.push(reconcile)
      }
    } else if (pod.desired_state === 'stopped') {
      if (pod.status !== 'stopped') actions.push(reconcile)
      else if (o.phase !== 'absent') actions.push({ kind: 'finish-stop', podId: pod.id })
    } else actions.push(reconcile)
  }
  return actions
}

export interface ResyncDeps {
  pods: PodsRepository
  volumes: Pick<VolumesRepository, 'knownNames'>
  clock: Clock
  runtime: Pick<PodRuntime, 'list' | 'orphans'>
  log: Logger
  cleanupOrphans: boolean
  /** Runs the plan's actions (the reconciler's queue and observation chains) */
  act: (action: ResyncAction) => Promise<void>
}

/**
 * After a restart, a lost watch and periodically: converge every pod with what the runtime reports,
 * and report (or remove) runtime objects that no pod owns.
 */
export class Resync {
  lastOrphans: { at: string; orphans: OrphanReport[] } | null = null
  private running: Promise<void> | null = null

  constructor(private readonly deps: ResyncDeps) {}

  /** One resync at a time; a call during one waits for it. Failures are logged and retried next time. */
  safely(): Promise<void> {
    this.running ??= this.run()
      .catch((error) => this.deps.log.warn({ err: error }, 'resync failed; will retry'))
      .finally(() => {
        this.running = null
      })
    return this.running
  }

  async run(): Promise<void> {
    const observed = new Map((await this.deps.runtime.list()).map((o) => [o.podId, o]))
    const pods = await this.deps.pods.undeleted()
    for (const action of resyncPlan(pods, observed)) await this.deps.act(action)
    const orphans = await this.findOrphans(new Set(pods.map((p) => p.id)), this.deps.cleanupOrphans)
    if (orphans.length > 0) {
      this.deps.log.warn(
        { orphans: orphans.map((o) => `${o.kind}/${o.name}`), removed: this.deps.cleanupOrphans },
        this.deps.cleanupOrphans
          ? 'removed runtime objects unknown to the database'
          : 'runtime objects unknown to the database (set NEUROPOD_CLEANUP_ORPHANS=true to remove them)',
      )
    }
  }

  /** Admin action: report, and optionally remove, runtime objects that no pod owns. */
  async orphans(remove: boolean): Promise<OrphanReport[]> {
    const known = new Set((await this.deps.pods.undeleted()).map((p) => p.id))
    return this.findOrphans(known, remove)
  }

  private async findOrphans(known: Set<string>, remove: boolean): Promise<OrphanReport[]> {
    const orphans = await this.deps.runtime.orphans(known, remove, await this.deps.volumes.knownNames())
    this.lastOrphans = { at: this.deps.clock.now().toISOString(), orphans }
    return orphans
  }
}
