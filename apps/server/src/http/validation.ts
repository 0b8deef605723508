import type { FieldError } from '@neuropod/contracts'
import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify'
import { addTextKeyword, CONTROL_MESSAGES, guardStrings } from './control-characters.js'

/**
 * Request validation. Bodies are validated strictly: no type coercion and no silent removal of
 * unknown fields (Fastify's defaults would turn "5" into 5 and drop typos). Query strings and path
 * parameters arrive as text, so those are coerced. Every problem is reported, not just the first.
 */
function makeAjv(coerceTypes: boolean) {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
    // Bounded by maxLength/maxItems in every schema, so allErrors cannot be used to amplify work.
  })
  addFormatsModule.default(ajv)
  addTextKeyword(ajv)
  return ajv
}

const strict = makeAjv(false)
const coercing = makeAjv(true)

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing
  return ajv.compile(guardStrings(schema) as object) as ReturnType<FastifySchemaCompiler<object>>
}

/** Ajv errors → `{field, message}` the UI can put next to its inputs. */
export function fieldErrors(errors: ErrorObject[], part: string | undefined): FieldError[] {
  const out: FieldError[] = []
  for (const e of errors) {
    let field = e.instancePath.replace(/^\//, '').replaceAll('/', '.')
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty
      field = field ? `${field}.${extra}` : extra
      message = 'Unknown field'
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty
      field = field ? `${field}.${missing}` : missing
      message = 'Required'
    } else if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      message = 'Has the wrong type or shape'
    } else if (e.keyword === 'pattern') {
      message = 'Has an invalid format'
    } else if (e.keyword === 'propertyNames') {
      continue // its failing name's own error (below or above) says what is wrong
    }
    if (!field) field = part ?? 'body'
    // anyOf reports each failed branch too; keep one message per field.
    if (!out.some((o) => o.field === field && o.message === message)) out.push({ field, message })
  }
  // A control character is the precise reason even inside a union (e.g. a nullable string).
  const control = new Set<string>(Object.values(CONTROL_MESSAGES))
  const precise = out.filter((o) => control.has(o.message)).map((o) => o.field)
  const union = out
    .filter((o) => o.message === 'Has the wrong type or shape' && !precise.includes(o.field))
    .map((o) => o.field)
  return out.filter((o) =>
    o.message === 'Has the wrong type or shape' ? !precise.includes(o.field) : !union.includes(o.field),
  )
}

/**
 * Every route that validates input can answer 400 (invalid fields, control characters, bad JSON),
 * and every route with a body 413 (over the body limit) and 415 (not JSON): the error handler
 * answers those before the handler runs, so the route schemas list them here rather than each
 * route by hand, and the OpenAPI document says what the server does.
 */
export function documentInputErrors(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | { body?: unknown; params?: unknown; querystring?: unknown; response?: Record<string, unknown> }
      | undefined
    const response = schema?.response
    if (!response) return
    const add = (status: number) => {
      if (!(String(status) in response)) response[status] = { $ref: 'ErrorBody#' }
    }
    if (schema.body || schema.params || schema.querystring) add(400)
    if (schema.body) {
      add(413)
      add(415)
    }
  })
}
