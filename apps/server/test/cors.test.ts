import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from './harness.js'
import { connectSocket } from './socket-client.js'

const APP = 'http://app.lab.test:5173'
const OTHER = 'http://evil.test:5173'

describe('CORS allow-list (NEUROPOD_CORS_ORIGINS)', () => {
  let server: TestServer
  const logLines: string[] = []
  beforeAll(async () => {
    server = await createTestServer({
      env: { NEUROPOD_CORS_ORIGINS: `${APP}, https://second.lab.test`, NEUROPOD_LOG_LEVEL: 'info' },
      logDestination: { write: (line) => void logLines.push(line) },
    })
  })
  afterAll(() => server?.stop())

  const preflight = (origin: string, method = 'POST') =>
    server.app.inject({
      method: 'OPTIONS',
      url: '/api/pods',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization,content-type',
      },
    })

  it('answers a preflight from a listed origin with credentials, methods, headers and a max-age', async () => {
    const res = await preflight(APP, 'DELETE')
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(APP)
    expect(res.headers['access-control-allow-credentials']).toBe('true')
    expect(String(res.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    )
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization')
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type')
    expect(res.headers['access-control-max-age']).toBe('7200')
    expect(String(res.headers.vary)).toMatch(/origin/i)
  })

  it('sends no CORS header to an origin that is not listed, on a preflight or a request', async () => {
    const pre = await preflight(OTHER)
    expect(pre.statusCode).toBe(404)
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined()
    // The wildcard is never sent, whoever asks.
    const res = await server.request('GET', '/api/status', { headers: { origin: OTHER } })
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    const listed = await server.request('GET', '/api/status', {
      headers: { origin: 'https://second.lab.test' },
    })
    expect(listed.headers['access-control-allow-origin']).toBe('https://second.lab.test')
    expect(listed.headers['access-control-allow-credentials']).toBe('true')
  })

  it('takes the session cookie on unsafe methods from a listed origin only', async () => {
    const client = await server.newClient('cors')
    const cookie = `neuropod_session=${encodeURIComponent(client.token)}`
    const post = (origin: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/auth/api-keys',
        headers: { cookie, origin, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'from another origin' }),
      })
    const allowed = await post(APP)
    expect(allowed.statusCode).toBe(201)
    expect(allowed.headers['access-control-allow-origin']).toBe(APP)
    const refused = await post(OTHER)
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('opens sockets from listed origins and refuses others with a logged reason', async () => {
    const client = await server.newClient('cors-socket')
    const socket = await connectSocket(server.url, client.token, APP)
    expect(socket.connected).toBe(true)
    socket.disconnect()

    await expect(connectSocket(server.url, client.token, OTHER)).rejects.toThrow()
    const refusal = logLines.map((l) => JSON.parse(l)).find((l) => /socket refused/.test(l.msg))
    expect(refusal).toMatchObject({ origin: OTHER })
    expect(refusal.msg).toMatch(/NEUROPOD_CORS_ORIGINS/)
    expect(JSON.stringify(refusal)).not.toContain(client.token)

    // Long-polling is plain HTTP: the listed origin may read it, with credentials.
    const polling = (origin: string) =>
      fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } })
    const ok = await polling(APP)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP)
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true')
    await ok.text()
    const no = await polling(OTHER)
    expect(no.status).toBe(403)
    expect(no.headers.get('access-control-allow-origin')).toBeNull()
    expect(((await no.json()) as { message: string }).message).toMatch(/NEUROPOD_CORS_ORIGINS/)
  })
})

describe('CORS with no allow-list', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('stays same-origin only: no preflight answer and no CORS header', async () => {
    const pre = await server.app.inject({
      method: 'OPTIONS',
      url: '/api/pods',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    })
    expect(pre.statusCode).toBe(404)
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
    const res = await server.request('GET', '/api/status', { headers: { origin: APP } })
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    await expect(connectSocket(server.url, server.adminToken, APP)).rejects.toThrow()
  })
})
