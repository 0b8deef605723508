import { NotificationList, NotificationsQuery } from '@neuropod/contracts'
import { requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { NotificationsRepository } from './notifications.repository.js'

export const notificationsRoutes: RouteModule<{ notifications: NotificationsRepository }> = (
  app,
  { notifications },
) => {
  app.get(
    '/api/notifications',
    {
      preValidation: userOnly,
      schema: {
        tags: ['Notifications'],
        summary: 'Your recent notifications (idle warnings and automatic stops), newest first',
        querystring: NotificationsQuery,
        response: { 200: NotificationList, ...errorResponses(400, 401) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await notifications.recent(requireUser(request).userId, request.query.limit ?? 50),
    }),
  )
}
