import {
  CreateTemplateBody,
  Template,
  TemplateDeleted,
  TemplateParams,
  TemplateSaved,
  TemplatesSummary,
  UpdateTemplateBody,
} from '@neuropod/contracts'
import Type from 'typebox'
import { adminOnly, requireUser, userOnly } from '../http/auth-hooks.js'
import { errorResponses, type RouteModule } from '../http/route-context.js'
import type { TemplatesService } from './templates.service.js'

/** Template success bodies are raw (un-enveloped): existing API clients read them that way. */
export const templatesRoutes: RouteModule<{ templates: TemplatesService }> = (app, { templates }) => {
  const tags = ['Templates']

  app.get(
    '/api/templates',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'All templates, newest first',
        description:
          "A bare array (the original's shape, not `{ success, data }`), each template with `_id` equal to `id` (ADR 0019).",
        response: { 200: Type.Array(Template), ...errorResponses(401) },
      },
    },
    async () => templates.list(),
  )

  app.get(
    '/api/templates/summary',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Totals, the five newest and templates per creator',
        response: { 200: TemplatesSummary, ...errorResponses(401) },
      },
    },
    async () => templates.summary(),
  )

  app.get(
    '/api/templates/:id',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'One template',
        description:
          "A bare object (the original's shape, not `{ success, data }`), `_id` equal to `id` (ADR 0019).",
        params: TemplateParams,
        response: { 200: Template, ...errorResponses(401, 404) },
      },
    },
    async (request) => templates.get(request.params.id),
  )

  app.post(
    '/api/templates',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Create a template (admins)',
        body: CreateTemplateBody,
        response: { 201: TemplateSaved, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send({
        message: 'Template created',
        template: await templates.create(requireUser(request), request.body),
      }),
  )

  app.put(
    '/api/templates/:id',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Edit a template (its creator or an admin); existing pods keep their copy',
        params: TemplateParams,
        body: UpdateTemplateBody,
        response: { 200: TemplateSaved, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      message: 'Template updated',
      template: await templates.update(requireUser(request), request.params.id, request.body),
    }),
  )

  app.delete(
    '/api/templates/:id',
    {
      preValidation: userOnly,
      schema: {
        tags,
        summary: 'Delete a template (its creator or an admin); pods created from it keep working',
        params: TemplateParams,
        response: { 200: TemplateDeleted, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const podsUsingTemplate = await templates.delete(requireUser(request), request.params.id)
      return { message: 'Template deleted', podsUsingTemplate }
    },
  )
}
