import type { ErrorCode, FieldError } from '@neuropod/contracts'

/**
 * The domain's error vocabulary. Services throw these; the HTTP error handler maps them to the
 * `{success:false, message, code, errors?}` body. Anything else becomes a masked 500.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message)
    this.name = 'AppError'
  }
}

export const badRequest = (message: string, errors?: FieldError[]) =>
  new AppError('VALIDATION_FAILED', 400, message, errors)
export const unauthenticated = (message = 'Authentication required') =>
  new AppError('UNAUTHENTICATED', 401, message)
export const forbidden = (message = 'You are not allowed to do this') =>
  new AppError('FORBIDDEN', 403, message)
export const notFound = (message: string) => new AppError('NOT_FOUND', 404, message)
export const invalidState = (message: string) => new AppError('INVALID_STATE', 409, message)
