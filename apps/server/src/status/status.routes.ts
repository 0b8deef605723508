import { Health, PublicStatus, SystemStatus } from '@neuropod/contracts'
import { sql } from 'kysely'
import Type from 'typebox'
import { adminOnly, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import { monotonicMs } from '../lib/clock.js'
import type { RuntimeHealth } from '../runtime/pod-runtime.js'

type DbCheck = { status: 'ok' | 'error'; error: string | null }

const VERSION = '1.0.0'
const MESSAGE = 'NeuroPod API is running'

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

export const statusRoutes: RouteModule = (app, platform) => {
  const { config, database, runtime, clock } = platform
  const tags = ['Status']
  const startedAt = monotonicMs()

  // Liveness: answers without touching the database, so load balancers can poll it cheaply.
  app.get('/api/health', { schema: { tags, summary: 'Liveness', response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    message: MESSAGE,
    timestamp: clock.now().toISOString(),
    environment: config.env,
  }))

  app.get(
    '/api/status/public',
    {
      schema: { tags, summary: 'Public status and which runtime runs pods', response: { 200: PublicStatus } },
    },
    async () => ({
      status: platform.reconciler.reachable ? ('ok' as const) : ('degraded' as const),
      message: runtime.simulated ? `${MESSAGE} (simulated runtime: no containers run)` : MESSAGE,
      timestamp: clock.now().toISOString(),
      version: VERSION,
      runtime: { kind: runtime.kind, simulated: runtime.simulated },
    }),
  )

  app.get(
    '/api/status',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Real checks: database round-trip, runtime, pod counts',
        response: { 200: SystemStatus, ...errorResponses(401) },
      },
    },
    async (request) => {
      const principal = requireUser(request)
      const dbStart = performance.now()
      const dbCheck = await withTimeout(
        sql`select 1`.execute(database.db).then((): DbCheck => ({ status: 'ok', error: null })),
        3000,
        (error): DbCheck => ({ status: 'error', error }),
      )
      const dbLatency = performance.now() - dbStart
      const rtStart = performance.now()
      const health = await withTimeout<RuntimeHealth>(runtime.health(), 3000, (error) => ({
        reachable: false,
        version: null,
        error,
        details: {},
      }))
      const rtLatency = performance.now() - rtStart
      const scope = principal.role === 'admin' ? ('all' as const) : ('own' as const)
      let counts: { status: string; n: number }[] = []
      if (dbCheck.status === 'ok') {
        let q = database.db
          .selectFrom('pods')
          .select(['status', sql<number>`count(*)::int`.as('n')])
          .where('deleted_at', 'is', null)
        if (scope === 'own') q = q.where('user_id', '=', principal.userId)
        counts = await q.groupBy('status').execute()
      }
      const byStatus = Object.fromEntries(counts.map((c) => [c.status, c.n]))
      const degraded = dbCheck.status !== 'ok' || !health.reachable
      return {
        success: true as const,
        data: {
          system: {
            status: degraded ? ('degraded' as const) : ('online' as const),
            version: VERSION,
            uptime: Math.round((monotonicMs() - startedAt) / 1000),
            environment: config.env,
            replicaId: platform.replicaId,
            leader: platform.leader.isLeader,
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
        },
      }
    },
  )

  const Orphan = Type.Object({
    kind: Type.String(),
    name: Type.String(),
    podId: Type.Union([Type.String(), Type.Null()]),
    removed: Type.Boolean(),
  })
  app.get(
    '/api/admin/runtime/orphans',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['Admin'],
        summary: "Runtime objects labelled as NeuroPod's that no pod owns",
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Type.Array(Orphan) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ success: true as const, data: await platform.reconciler.orphans(false) }),
  )
  app.post(
    '/api/admin/runtime/orphans/cleanup',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['Admin'],
        summary: 'Remove runtime objects that no pod owns',
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Type.Array(Orphan) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ success: true as const, data: await platform.reconciler.orphans(true) }),
  )
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
