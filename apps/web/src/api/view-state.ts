import type { UseMutationResult, UseQueryResult } from '@tanstack/react-query'
import { errorMessage, fieldErrors } from './errors'

/**
 * What a page hands its view, so views render from plain props (and are tested that way) while
 * pages own the queries and mutations.
 */

/** Something loaded from the server, as `LoadState` shows it. */
export interface Loaded<T> {
  data: T | undefined
  error: string | null
  onRetry: () => void
}

export function loaded<T>(query: UseQueryResult<T>, fallback: string): Loaded<T> {
  return {
    data: query.data,
    error: query.error ? errorMessage(query.error, fallback) : null,
    onRetry: () => void query.refetch(),
  }
}

/** A server call a view can start: in flight or not, and why it failed (per field when it can). */
export interface ViewAction<A> {
  /** Resolves true once the server accepted, false when it refused (the reason is in `error`) */
  run: (arg: A) => Promise<boolean>
  pending: boolean
  error: string | null
  fieldErrors: Record<string, string[]>
  reset: () => void
}

export function viewAction<A>(
  mutation: UseMutationResult<unknown, unknown, A>,
  fallback: string,
): ViewAction<A> {
  return {
    run: (arg) =>
      mutation.mutateAsync(arg).then(
        () => true,
        () => false,
      ),
    pending: mutation.isPending,
    error: mutation.error ? errorMessage(mutation.error, fallback) : null,
    fieldErrors: fieldErrors(mutation.error),
    reset: mutation.reset,
  }
}
