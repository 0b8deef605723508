import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/**
 * Every route module is `(app, deps) => void`, where `deps` names exactly the services it uses
 * (`app.ts` passes them): explicit wiring, no decorators or autoload, and no route module depends
 * on the composition root.
 */
export type RouteModule<Deps> = (app: App, deps: Deps) => void

export const errorResponses = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { $ref: 'ErrorBody#' }])) as Record<number, { $ref: string }>

/** A redirect in a route's `response` schema: no body, a `Location` header. */
export const redirectResponse = (description: string) => ({
  type: 'null' as const,
  description,
  headers: { location: { type: 'string' as const } },
})
