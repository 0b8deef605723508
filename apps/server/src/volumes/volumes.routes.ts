import {
  CreateVolumeBody,
  SuccessMessage,
  UpdateVolumeBody,
  VolumeList,
  VolumeParams,
  VolumeResponse,
  VolumesQuery,
} from '@neuropod/contracts'
import { requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { VolumesService } from './volumes.service.js'

/** A user's volumes (ADR 0016): storage that outlives pods. */
export const volumesRoutes: RouteModule<{ volumes: VolumesService }> = (app, { volumes }) => {
  const tags = ['Volumes']
  const opts = { preValidation: userOnly }

  app.get(
    '/api/volumes',
    {
      ...opts,
      schema: {
        tags,
        summary: "Your volumes (admins: every volume, or one user's with ?userEmail=)",
        querystring: VolumesQuery,
        response: { 200: VolumeList, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const data = await volumes.list(requireUser(request), request.query.userEmail)
      return { success: true as const, count: data.length, data }
    },
  )

  app.post(
    '/api/volumes',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Create a volume of `size` GB; it accrues per second until deleted, attached or not',
        body: CreateVolumeBody,
        response: { 201: VolumeResponse, ...errorResponses(400, 401, 402, 403) },
      },
    },
    async (request, reply) => {
      const data = await volumes.create(requireUser(request), request.body)
      return reply.status(201).send({ success: true as const, data })
    },
  )

  app.get(
    '/api/volumes/:volumeId',
    {
      ...opts,
      schema: {
        tags,
        summary: 'One volume: size, used bytes where measured, attached pod, cost per hour',
        params: VolumeParams,
        response: { 200: VolumeResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await volumes.get(requireUser(request), request.params.volumeId),
    }),
  )

  app.patch(
    '/api/volumes/:volumeId',
    {
      ...opts,
      schema: {
        tags,
        summary:
          'Rename, or grow (Kubernetes: PVC expansion, refused with 409 when the storage class does not allow it; Docker and the simulation: the size is recorded only)',
        params: VolumeParams,
        body: UpdateVolumeBody,
        response: { 200: VolumeResponse, ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => ({
      success: true as const,
      data: await volumes.update(requireUser(request), request.params.volumeId, request.body),
    }),
  )

  app.delete(
    '/api/volumes/:volumeId',
    {
      ...opts,
      schema: {
        tags,
        summary: 'Delete a volume and its data; 409 naming the pod while one holds it',
        params: VolumeParams,
        response: { 200: SuccessMessage, ...errorResponses(401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      await volumes.delete(requireUser(request), request.params.volumeId)
      return { success: true as const, message: 'Volume deleted' }
    },
  )
}
