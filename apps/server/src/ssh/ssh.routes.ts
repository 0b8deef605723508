import { CreateSshKeyBody, Envelope, SshInfo, SshKey, SuccessMessage } from '@neuropod/contracts'
import Type from 'typebox'
import { requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { SshFeature } from './ssh-feature.js'

export const sshRoutes: RouteModule<{ ssh: SshFeature }> = (app, { ssh }) => {
  const tags = ['SSH']

  app.get(
    '/api/ssh/info',
    {
      schema: {
        tags,
        summary: 'Where the SSH gateway listens and its host key fingerprint (public)',
        response: { 200: Envelope(SshInfo) },
      },
    },
    async () => ({ success: true as const, data: ssh.info() }),
  )

  app.get(
    '/api/ssh-keys',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Your SSH public keys',
        response: { 200: Envelope(Type.Array(SshKey)), ...errorResponses(401) },
      },
    },
    async (request) => ({ success: true as const, data: await ssh.keys.list(requireUser(request)) }),
  )

  app.post(
    '/api/ssh-keys',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Register an SSH public key (ed25519, ECDSA, or RSA of 2048 bits or more)',
        body: CreateSshKeyBody,
        response: { 201: Envelope(SshKey), ...errorResponses(400, 401, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({
        success: true as const,
        data: await ssh.keys.add(requireUser(request), request.body),
      }),
  )

  app.delete(
    '/api/ssh-keys/:id',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Delete one of your SSH keys',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: SuccessMessage, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      await ssh.keys.delete(requireUser(request), request.params.id)
      return { success: true as const, message: 'SSH key deleted' }
    },
  )
}
