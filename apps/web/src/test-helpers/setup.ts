import { cleanup } from '@testing-library/react'
import { afterEach, vi } from 'vitest'

// Component tests have no server: a view that fetches gets a clear refusal instead of a real request.
vi.stubGlobal('fetch', () => Promise.reject(new TypeError('No network in component tests')))

afterEach(() => cleanup())
