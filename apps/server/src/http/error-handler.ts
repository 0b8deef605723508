import type { ErrorCode } from '@neuropod/contracts'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import { fieldErrors } from './validation.js'

const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'INVALID_JSON',
    message: 'The request body is empty but declared as JSON',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'VALIDATION_FAILED',
    message: 'Content-Length does not match the body',
  },
}

/**
 * One place maps every error to the API's error body. Client errors keep their message; anything
 * unexpected is logged with the request and answered with a fixed 500 that reveals nothing.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      const retryAfter = (error as AppError & { retryAfter?: number }).retryAfter
      if (retryAfter) void reply.header('retry-after', String(retryAfter))
      return reply.status(error.status).send({
        success: false,
        message: error.message,
        code: error.code,
        ...(error.errors ? { errors: error.errors } : {}),
      })
    }
    const fe = error as FastifyError
    if (fe.validation) {
      const errors = fieldErrors(fe.validation as never, fe.validationContext)
      const control = errors.length > 0 && errors.every((e) => e.message.includes('control characters'))
      return reply.status(400).send({
        success: false,
        message: control ? 'The request contains control characters' : 'The request has invalid fields',
        code: 'VALIDATION_FAILED',
        errors,
      })
    }
    const known = fe.code ? FASTIFY_CODES[fe.code] : undefined
    if (known) {
      return reply
        .status(fe.statusCode ?? 400)
        .send({ success: false, message: known.message, code: known.code })
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code: ErrorCode =
        fe.statusCode === 429 ? 'RATE_LIMITED' : fe.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED'
      return reply.status(fe.statusCode).send({ success: false, message: fe.message, code })
    }
    request.log.error({ err: error }, 'unhandled error')
    return reply.status(500).send({ success: false, message: 'Internal server error', code: 'INTERNAL' })
  })
}

/** The API's 404 body. Fastify takes one not-found handler, so app.ts installs it (with the SPA fallback). */
export function notFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({
    success: false,
    message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
    code: 'NOT_FOUND',
  })
}
