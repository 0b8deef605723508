import {
  AutoStopBody,
  ExtendResult,
  IdleSettingsResponse,
  PodParams,
  PodResponse,
  UpdateIdleSettingsBody,
} from '@neuropod/contracts'
import { adminOnly, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { IdleService } from './idle.service.js'

export const idleRoutes: RouteModule<{ idle: IdleService }> = (app, { idle }) => {
  const tags = ['Idle auto-stop']

  app.patch(
    '/api/pods/:podId/auto-stop',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: "Change a pod's idle timeout (null = never, where allowed), maximum runtime or stop time",
        params: PodParams,
        body: AutoStopBody,
        response: { 200: PodResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await idle.setAutoStop(requireUser(request), request.params.podId, request.body),
    }),
  )

  app.post(
    '/api/pods/:podId/extend',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Keep running: move the idle deadline by one idle timeout',
        params: PodParams,
        response: { 200: ExtendResult, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const result = await idle.extend(requireUser(request), request.params.podId)
      return {
        success: true as const,
        data: {
          podId: request.params.podId,
          idleDeadline: result.idleDeadline,
          extendedByMinutes: result.minutes,
        },
      }
    },
  )

  app.get(
    '/api/settings/idle',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary:
          'The platform idle policy: default and maximum timeout, whether "never" is allowed, warning lead',
        response: { 200: IdleSettingsResponse, ...errorResponses(401) },
      },
    },
    async () => ({ success: true as const, data: await idle.settings() }),
  )

  app.put(
    '/api/settings/idle',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['Idle auto-stop (admin)'],
        summary: 'Change the platform idle policy',
        body: UpdateIdleSettingsBody,
        response: { 200: IdleSettingsResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await idle.updateSettings(requireUser(request), request.body),
    }),
  )
}
