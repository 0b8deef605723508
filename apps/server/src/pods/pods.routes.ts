import {
  AdminPodPage,
  AdminPodsQuery,
  ConnectionsResponse,
  CreatePodBody,
  DeletePodQuery,
  LogsQuery,
  LogsResponse,
  OwnPodsQuery,
  PodActionResult,
  PodCreated,
  PodEventsResponse,
  PodList,
  PodParams,
  PodResponse,
  PortAccessBody,
  PortAccessParams,
  StatsResponse,
} from '@neuropod/contracts'
import { adminOnly, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { PodsService } from './pods.service.js'

export const podsRoutes: RouteModule<{ pods: PodsService }> = (app, { pods }) => {
  const listBodies = new WeakMap<object, string>()
  const tags = ['Pods']
  const opts = { preValidation: userOnly }

  app.get(
    '/api/pods',
    {
      ...opts,
      schema: {
        tags,
        summary: "Your pods (admins: ?userEmail= for one user's pods)",
        querystring: OwnPodsQuery,
        response: { 200: PodList, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const data = await pods.listOwn(requireUser(request), request.query.userEmail)
      // The service hands out the same array while nothing changed (within a second): serialize once.
      let body = listBodies.get(data)
      if (!body) {
        body = reply.serialize({ success: true as const, count: data.length, data }) as string
        listBodies.set(data, body)
      }
      // A string with a content type is sent as is (already serialized by this route's schema).
      return reply.type('application/json; charset=utf-8').send(body as never)
    },
  )

  app.get(
    '/api/pods/admin',
    {
      preValidation: adminOnly,
      schema: {
        tags: ['Pods (admin)'],
        summary: 'Every pod, filtered by owner e-mail, status, GPU or name, a page at a time',
        querystring: AdminPodsQuery,
        response: { 200: AdminPodPage, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1
      const limit = request.query.limit ?? 50
      const { total, pods: data } = await pods.listAll({ ...request.query, page, limit })
      return { success: true as const, count: data.length, total, page, limit, data }
    },
  )

  app.post(
    '/api/pods',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Create a pod from a template or an image; every problem is listed in one 400',
        body: CreatePodBody,
        response: { 201: PodCreated, ...errorResponses(400, 401, 402, 403, 409) },
      },
    },
    async (request, reply) => {
      const pod = await pods.create(requireUser(request), request.body)
      return reply.status(201).send({
        success: true as const,
        data: {
          podId: pod.podId,
          podName: pod.podName,
          status: pod.status,
          message: 'Pod is being created',
          pod,
        },
      })
    },
  )

  app.get(
    '/api/pods/:podId',
    {
      ...opts,
      schema: {
        tags,
        summary: 'One pod',
        params: PodParams,
        response: { 200: PodResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await pods.get(requireUser(request), request.params.podId),
    }),
  )

  app.get(
    '/api/pods/:podId/connections',
    {
      ...opts,
      schema: {
        tags,
        summary: "URLs and readiness of the pod's HTTP and TCP services",
        params: PodParams,
        response: { 200: ConnectionsResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const pod = await pods.get(requireUser(request), request.params.podId)
      return {
        success: true as const,
        data: {
          podId: pod.podId,
          podName: pod.podName,
          status: pod.status,
          legacyStatus: pod.legacyStatus,
          httpServices: pod.httpServices,
          tcpServices: pod.tcpServices,
        },
      }
    },
  )

  app.get(
    '/api/pods/:podId/logs',
    {
      ...opts,
      schema: {
        tags,
        summary: "The last `tail` lines of the container's output",
        params: PodParams,
        querystring: LogsQuery,
        response: { 200: LogsResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const result = await pods.logs(requireUser(request), request.params.podId, request.query.tail ?? 500)
      const logs = result.available ? result.lines.map((l) => l.message).join('\n') : (result.reason ?? '')
      return {
        success: true as const,
        data: { logs, lines: result.lines, available: result.available, reason: result.reason },
      }
    },
  )

  app.get(
    '/api/pods/:podId/events',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Lifecycle events (pulling, started, ready, exited…), oldest first',
        params: PodParams,
        response: { 200: PodEventsResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await pods.events(requireUser(request), request.params.podId),
    }),
  )

  app.get(
    '/api/pods/:podId/stats',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Live usage from the runtime, or why it is unavailable',
        params: PodParams,
        response: { 200: StatsResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await pods.stats(requireUser(request), request.params.podId),
    }),
  )

  const action = (summary: string) => ({
    ...opts,
    schema: {
      tags,
      summary,
      params: PodParams,
      response: { 200: PodActionResult, ...errorResponses(401, 402, 403, 404, 409) },
    },
  })

  app.post(
    '/api/pods/:podId/start',
    action('Start a stopped pod (same volume, same URLs); idempotent'),
    async (request) => {
      const pod = await pods.start(requireUser(request), request.params.podId)
      return {
        success: true as const,
        message: 'Pod starting',
        data: { podId: pod.id, status: viewStatus(pod.status), desiredState: pod.desired_state },
      }
    },
  )

  app.post(
    '/api/pods/:podId/stop',
    action('Stop a pod, keeping its volume and URLs; idempotent'),
    async (request) => {
      const pod = await pods.stop(requireUser(request), request.params.podId)
      return {
        success: true as const,
        message: 'Pod stopping',
        data: { podId: pod.id, status: viewStatus(pod.status), desiredState: pod.desired_state },
      }
    },
  )

  app.delete(
    '/api/pods/:podId',
    {
      ...opts,
      schema: {
        tags,
        summary:
          'Delete a pod: container and URLs; its volume is kept (yours, still metered) unless ?keepVolume=false; idempotent',
        params: PodParams,
        querystring: DeletePodQuery,
        response: { 200: PodActionResult, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const pod = await pods.delete(
        requireUser(request),
        request.params.podId,
        request.query.keepVolume ?? true,
      )
      return {
        success: true as const,
        message: 'Pod deleting',
        data: { podId: pod.id, status: viewStatus(pod.status), desiredState: pod.desired_state },
      }
    },
  )

  app.patch(
    '/api/pods/:podId/ports/:port',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Make an HTTP port private (owner and admins) or public',
        params: PortAccessParams,
        body: PortAccessBody,
        response: { 200: PodResponse, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await pods.setPortAccess(
        requireUser(request),
        request.params.podId,
        request.params.port,
        request.body.access,
      ),
    }),
  )
}

function viewStatus<T extends string>(status: T): Exclude<T, 'deleted'> | 'deleting' {
  return (status === 'deleted' ? 'deleting' : status) as Exclude<T, 'deleted'> | 'deleting'
}
