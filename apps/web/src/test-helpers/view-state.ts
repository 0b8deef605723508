import { vi } from 'vitest'
import type { Loaded, ViewAction } from '../api/view-state'

/** A loaded value as a page hands it to a view; `data: undefined` is still loading. */
export function loadedOf<T>(data: T | undefined, error: string | null = null): Loaded<T> {
  return { data, error, onRetry: vi.fn() }
}

/** A server call that has not run; `run` resolves as the server would (accepted unless told). */
export function actionOf<A>(overrides: Partial<ViewAction<A>> = {}): ViewAction<A> {
  return {
    run: vi.fn(async () => true),
    pending: false,
    error: null,
    fieldErrors: {},
    reset: vi.fn(),
    ...overrides,
  }
}
