import { Health, PublicStatus, SystemStatus } from '@neuropod/contracts'
import Type from 'typebox'
import { adminOnly, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { Reconciler } from '../pods/reconciler/reconciler.js'
import type { StatusService } from './status.service.js'

export interface StatusRoutesDeps {
  status: StatusService
  reconciler: Pick<Reconciler, 'orphans'>
}

export const statusRoutes: RouteModule<StatusRoutesDeps> = (app, { status, reconciler }) => {
  const tags = ['Status']

  // Liveness: answers without touching the database, so load balancers can poll it cheaply.
  app.get('/api/health', { schema: { tags, summary: 'Liveness', response: { 200: Health } } }, async () =>
    status.health(),
  )

  app.get(
    '/api/status/public',
    {
      schema: { tags, summary: 'Public status and which runtime runs pods', response: { 200: PublicStatus } },
    },
    async () => status.publicStatus(),
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
    async (request) => ({ success: true as const, data: await status.system(requireUser(request)) }),
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
    async () => ({ success: true as const, data: await reconciler.orphans(false) }),
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
    async () => ({ success: true as const, data: await reconciler.orphans(true) }),
  )
}
