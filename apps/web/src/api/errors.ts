import type { ErrorCode, FieldError } from './types'

/** Every failed API call becomes an ApiError: status, the server's code and message, field problems. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}

/** The text to show for an error: the server's own message when it sent one. */
export function errorMessage(error: unknown, fallback: string): string {
  if (isApiError(error)) return error.message || fallback
  if (error instanceof Error && error.message) return error.message
  return fallback
}

/**
 * Server field problems grouped by the form field they belong to: `ports.1` and `env.FOO` land on
 * `ports` and `env`, so a form shows them next to the control that produced them.
 */
export function fieldErrors(error: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (!isApiError(error)) return out
  for (const e of error.errors) {
    const key = e.field.split('.')[0] || '_'
    const list = out[key] ?? []
    list.push(e.message)
    out[key] = list
  }
  return out
}
