import Type, { type Static, type TSchema } from 'typebox'

/**
 * `T | null` as `{"type": [T, "null"]}` rather than `anyOf`: the same contract, but Fastify's
 * serializer handles a type list directly, whereas `anyOf` costs a validation per field per response.
 */
export const Nullable = <T extends TSchema & { type?: unknown }>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type as string, 'null'] })

/** Machine-readable error codes. Clients switch on these, never on messages. */
export const ErrorCodes = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'ACCOUNT_SUSPENDED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'EMAIL_TAKEN',
  'INSUFFICIENT_BALANCE',
  'POD_LIMIT_REACHED',
  'INVALID_STATE',
  'RATE_LIMITED',
  'FEATURE_DISABLED',
  'RUNTIME_UNAVAILABLE',
  'INTERNAL',
] as const
export type ErrorCode = (typeof ErrorCodes)[number]

export const FieldError = Type.Object({
  field: Type.String({
    description: 'Path of the offending field, e.g. "containerDiskSize" or "httpPorts.1.port"',
  }),
  message: Type.String(),
})
export type FieldError = Static<typeof FieldError>

export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    message: Type.String(),
    code: Type.Enum(ErrorCodes),
    errors: Type.Optional(Type.Array(FieldError)),
  },
  { $id: 'ErrorBody' },
)
export type ErrorBody = Static<typeof ErrorBody>

/** `{ success: true, data }` — the original API's envelope. */
export const Envelope = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), data })

export const MessageEnvelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), message: Type.String(), data })

export const SuccessMessage = Type.Object({ success: Type.Literal(true), message: Type.String() })

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}

export const PageInfo = {
  count: Type.Integer({ description: 'Items in this page' }),
  total: Type.Integer({ description: 'Items matching the filters' }),
  page: Type.Integer(),
  limit: Type.Integer(),
}

/**
 * Free text that may hold tab and line breaks (descriptions, commands, environment values). The
 * server rejects every other control character in every string it accepts, and these too elsewhere.
 */
export const Multiline = { 'x-text': 'multiline' } as const

/** Ids */
export const PodId = Type.String({ pattern: '^[a-f0-9]{16}$', description: 'Pod id (16 hex characters)' })
export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'UUID',
})
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })
export const IsoDate = Type.String({ format: 'date-time' })

/** An amount of euros. The server stores micro-euros (integers); the API speaks euros with up to 6 decimals. */
export const Euros = Type.Number({ description: 'Euros (stored exactly as integer micro-euros)' })
export const Balance = Type.Union([Type.Number(), Type.Literal('Infinity')], {
  description: 'Euros, or "Infinity" for administrators (who are not metered)',
})

export const Role = Type.Union([Type.Literal('client'), Type.Literal('admin')])
export type Role = Static<typeof Role>
