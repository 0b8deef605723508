import { afterEach, describe, expect, it, vi } from 'vitest'
import { http, setRequestLanguage } from './client'

describe('the HTTP client', () => {
  afterEach(() => vi.unstubAllGlobals())

  it("sends the user's language as Accept-Language, so the server's own texts come back in it", async () => {
    const fetch = vi.fn(async () => new Response('{"ok":true}', { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    setRequestLanguage('es')
    await http.get('/api/pricing/public')
    setRequestLanguage('en')
    await http.get('/api/pricing/public')
    const sent = fetch.mock.calls.map((call) => (call as unknown as [string, RequestInit])[1].headers)
    expect(sent).toEqual([
      expect.objectContaining({ 'accept-language': 'es' }),
      expect.objectContaining({ 'accept-language': 'en' }),
    ])
  })
})
