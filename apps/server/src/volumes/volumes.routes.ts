import type { Readable } from 'node:stream'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  CreateVolumeBody,
  SuccessMessage,
  UpdateVolumeBody,
  VolumeFilesQuery,
  VolumeList,
  VolumeParams,
  VolumeResponse,
  VolumesAtRiskResponse,
  VolumesQuery,
  VolumeUploadResponse,
} from '@neuropod/contracts'
import Type from 'typebox'
import { adminOnly, requireAdmin, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { VolumeFiles } from './volume-files.js'
import type { VolumesService } from './volumes.service.js'

/** A user's volumes (ADR 0016): storage that outlives pods. */
export const volumesRoutes: RouteModule<{ volumes: VolumesService; volumeFiles: VolumeFiles }> = (
  app,
  { volumes, volumeFiles },
) => {
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

  app.get(
    '/api/admin/volumes/at-risk',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary:
          "Admins: volumes whose owner's balance has been negative for at least NEUROPOD_VOLUME_RISK_AFTER_HOURS (kept, never deleted automatically)",
        response: { 200: VolumesAtRiskResponse, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      requireAdmin(request)
      return { success: true as const, data: await volumes.atRisk() }
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

  // Files: the body is the raw stream (a tar, or one file), read and checked by VolumeFiles.
  app.register(async (child) => {
    const files = child.withTypeProvider<TypeBoxTypeProvider>()
    files.addContentTypeParser(['application/x-tar', 'application/octet-stream'], (_request, payload, done) =>
      done(null, payload),
    )

    files.put(
      '/api/volumes/:volumeId/files',
      {
        ...opts,
        schema: {
          tags,
          summary:
            'Upload into the volume through the running pod that mounts it: a tar (application/x-tar) extracted into ?path= (a folder), or one file (application/octet-stream) written at ?path=. Entries with absolute paths, .., links leaving the upload and special files are refused; size limited by NEUROPOD_VOLUME_MAX_TRANSFER_MB',
          params: VolumeParams,
          querystring: VolumeFilesQuery,
          response: {
            200: VolumeUploadResponse,
            ...errorResponses(400, 401, 403, 404, 409, 411, 413, 415, 503),
          },
        },
      },
      async (request) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
        const length = request.headers['content-length']
        const data = await volumeFiles.upload(
          requireUser(request),
          request.params.volumeId,
          request.query.path,
          request.body as Readable,
          type === 'application/x-tar' ? 'tar' : 'file',
          length === undefined ? null : Number(length),
        )
        return { success: true as const, message: 'Uploaded', data }
      },
    )

    files.get(
      '/api/volumes/:volumeId/files',
      {
        ...opts,
        schema: {
          tags,
          summary:
            'Download ?path= (a file or a folder; default the whole volume) as a tar, through the running pod that mounts it',
          params: VolumeParams,
          querystring: VolumeFilesQuery,
          response: {
            200: {
              description: 'The file or folder as a tar stream (Content-Disposition names it)',
              content: {
                'application/x-tar': { schema: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }) },
              },
            },
            ...errorResponses(400, 401, 403, 404, 409, 413, 503),
          },
        },
      },
      async (request, reply) => {
        const { stream, filename } = await volumeFiles.download(
          requireUser(request),
          request.params.volumeId,
          request.query.path,
        )
        return reply
          .type('application/x-tar')
          .header('content-disposition', `attachment; filename="${filename}"`)
          .send(stream)
      },
    )
  })
}
