import { screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { mockUser } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { LoginPage } from './LoginPage'

/** The server as far as the login page asks it: signed in as `user` until the logout. */
function fakeServer(user: ReturnType<typeof mockUser>) {
  let signedIn = true
  const calls: string[] = []
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${url}`)
    const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 })
    if (url === '/api/auth/session') return json({ success: true, data: signedIn ? user : null })
    if (url === '/api/auth/config')
      return json({ success: true, data: { googleClientId: null, devLogin: false, registration: true } })
    if (url === '/api/auth/logout') {
      signedIn = false
      return json({ success: true, message: 'Signed out' })
    }
    return new Response('{}', { status: 404 })
  })
  vi.stubGlobal('fetch', fetch)
  return calls
}

describe('LoginPage', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('with ?switch=1 (the 403 page of a private port) signs out first and shows the sign-in form', async () => {
    const calls = fakeServer(mockUser())
    const assign = vi.fn()
    vi.stubGlobal('location', { ...window.location, assign })
    const next = '/api/proxy/authorize?target=http%3A%2F%2Fabc-8888.pods.test%2F'
    renderView(<LoginPage mode="login" />, { path: `/login?switch=1&next=${encodeURIComponent(next)}` })
    await waitFor(() => expect(calls).toContain('POST /api/auth/logout'))
    await screen.findByLabelText(/E-mail/i)
    expect(assign).not.toHaveBeenCalled()
  })
})
