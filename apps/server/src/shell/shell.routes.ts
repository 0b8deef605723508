import { ShellSessionsPage, ShellSessionsQuery } from '@neuropod/contracts'
import { adminOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { ShellSessionsRepository } from './shell-sessions.repository.js'

/** Admins' view of every web terminal and SSH session: who, which pod, from where, how long. */
export const shellRoutes: RouteModule<{ sessions: Pick<ShellSessionsRepository, 'page'> }> = (
  app,
  { sessions },
) => {
  app.get(
    '/api/admin/shell-sessions',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['Admin'],
        summary: 'Web terminal and SSH sessions, newest first (admins)',
        querystring: ShellSessionsQuery,
        response: { 200: ShellSessionsPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1
      const limit = request.query.limit ?? 50
      const { total, rows } = await sessions.page({ ...request.query, page, limit })
      return {
        success: true as const,
        data: rows.map((r) => ({
          ...r,
          startedAt: r.startedAt.toISOString(),
          endedAt: r.endedAt ? r.endedAt.toISOString() : null,
          durationSeconds: r.endedAt
            ? Math.round((r.endedAt.getTime() - r.startedAt.getTime()) / 1000)
            : null,
        })),
        count: rows.length,
        total,
        page,
        limit,
      }
    },
  )
}
