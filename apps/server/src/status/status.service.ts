import type { SystemStatus } from '@neuropod/contracts'
import type { Static } from 'typebox'
import type { Principal } from '../auth/principal.js'
import type { Config } from '../config.js'
import type { DatabaseHandle } from '../db/database.js'
import { roundTrip } from '../db/round-trip.js'
import { type Clock, monotonicMs } from '../lib/clock.js'
import type { PodsRepository } from '../pods/pods.repository.js'
import type { PodRuntime, RuntimeHealth } from '../runtime/pod-runtime.js'

export const VERSION = '1.0.0'
const MESSAGE = 'NeuroPod API is running'
/** A check that takes longer reports an error instead of holding the status page. */
const CHECK_TIMEOUT_MS = 3000

type DbCheck = { status: 'ok' | 'error'; error: string | null }

export interface StatusDeps {
  config: Pick<Config, 'env'>
  clock: Clock
  database: Pick<DatabaseHandle, 'db' | 'kind'>
  runtime: Pick<PodRuntime, 'kind' | 'simulated' | 'health'>
  pods: PodsRepository
  replicaId: string
  leader: { readonly isLeader: boolean }
  /** Whether the reconciler last reached the runtime */
  runtimeReachable: () => boolean
}

async function withTimeout<T>(work: Promise<T>, ms: number, fallback: (error: string) => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      work.catch((error: unknown) => fallback(error instanceof Error ? error.message : String(error))),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(fallback(`no answer within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

/** Liveness, the public status and the real checks behind `/api/status`. */
export class StatusService {
  private readonly startedAt = monotonicMs()

  constructor(private readonly deps: StatusDeps) {}

  health() {
    return {
      status: 'ok' as const,
      message: MESSAGE,
      timestamp: this.deps.clock.now().toISOString(),
      environment: this.deps.config.env,
    }
  }

  publicStatus() {
    const { runtime } = this.deps
    return {
      status: this.deps.runtimeReachable() ? ('ok' as const) : ('degraded' as const),
      message: runtime.simulated ? `${MESSAGE} (simulated runtime: no containers run)` : MESSAGE,
      timestamp: this.deps.clock.now().toISOString(),
      version: VERSION,
      runtime: { kind: runtime.kind, simulated: runtime.simulated },
    }
  }

  /** A database round-trip, the runtime's health and pod counts (all pods for admins, else the caller's). */
  async system(principal: Principal): Promise<Static<typeof SystemStatus>['data']> {
    const { database, runtime } = this.deps
    const dbStart = performance.now()
    const dbCheck = await withTimeout(
      roundTrip(database.db).then((): DbCheck => ({ status: 'ok', error: null })),
      CHECK_TIMEOUT_MS,
      (error): DbCheck => ({ status: 'error', error }),
    )
    const dbLatency = performance.now() - dbStart
    const rtStart = performance.now()
    const health = await withTimeout<RuntimeHealth>(runtime.health(), CHECK_TIMEOUT_MS, (error) => ({
      reachable: false,
      version: null,
      error,
      details: {},
    }))
    const rtLatency = performance.now() - rtStart
    const scope = principal.role === 'admin' ? ('all' as const) : ('own' as const)
    const counts =
      dbCheck.status === 'ok'
        ? await this.deps.pods.countByStatus(scope === 'own' ? principal.userId : null)
        : []
    const byStatus = Object.fromEntries(counts.map((c) => [c.status, c.n]))
    const degraded = dbCheck.status !== 'ok' || !health.reachable
    return {
      system: {
        status: degraded ? ('degraded' as const) : ('online' as const),
        version: VERSION,
        uptime: Math.round((monotonicMs() - this.startedAt) / 1000),
        environment: this.deps.config.env,
        replicaId: this.deps.replicaId,
        leader: this.deps.leader.isLeader,
      },
      database: {
        kind: database.kind,
        status: dbCheck.status,
        latencyMs: round(dbLatency),
        error: dbCheck.error,
      },
      runtime: {
        kind: runtime.kind,
        simulated: runtime.simulated,
        status: health.reachable ? ('ok' as const) : ('error' as const),
        latencyMs: round(rtLatency),
        version: health.version,
        error: health.error,
        details: health.details,
      },
      pods: {
        scope,
        total: counts.reduce((s, c) => s + c.n, 0),
        running: byStatus.running ?? 0,
        stopped: byStatus.stopped ?? 0,
        creating: (byStatus.creating ?? 0) + (byStatus.pending ?? 0),
        byStatus,
      },
    }
  }
}
