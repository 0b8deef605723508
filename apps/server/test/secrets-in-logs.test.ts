import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { podRequest } from './fakes/pod-client.js'
import { ProcessRuntime } from './fakes/process-runtime.js'
import { ADMIN_PASSWORD, createTestServer, eventually, type Json, type TestServer } from './harness.js'

/**
 * Every secret the platform handles, through every path that carries one, with logging at its most
 * verbose: none may appear in a log line. Passwords (sign-up, a failed sign-in, a change), session
 * tokens, an API key, the Jupyter token the proxy adds for the owner, the one-time hand-over ticket
 * (it travels in a URL), the pod cookie, and the instance secret.
 */

const lines: string[] = []
let server: TestServer
let runtime: ProcessRuntime
const secrets: Record<string, string> = {}

beforeAll(async () => {
  runtime = new ProcessRuntime()
  server = await createTestServer({
    runtime,
    env: { NEUROPOD_LOG_LEVEL: 'trace' },
    logDestination: { write: (line) => void lines.push(line) },
  })
})

afterAll(async () => {
  await server?.stop()
})

describe('secrets and the logs', () => {
  it('writes no password, token, key, ticket or cookie to the logs, even at trace level', async () => {
    const email = `careful-${Date.now()}@test.local`
    secrets.signUpPassword = 'first-Secret-pass-4711'
    const registered = await server.request('POST', '/api/auth/register', {
      body: { email, password: secrets.signUpPassword, name: 'Careful' },
    })
    expect(registered.status).toBe(201)
    secrets.registerToken = registered.body.token

    secrets.wrongPassword = 'wrong-Secret-pass-0815'
    const refused = await server.request('POST', '/api/auth/login', {
      body: { email, password: secrets.wrongPassword },
    })
    expect(refused.status).toBe(401)
    const login = await server.request('POST', '/api/auth/login', {
      body: { email, password: secrets.signUpPassword },
    })
    expect(login.status).toBe(200)
    const token: string = login.body.token
    secrets.sessionToken = token

    secrets.newPassword = 'second-Secret-pass-9001'
    const changed = await server.request('POST', '/api/auth/me/password', {
      token,
      body: { currentPassword: secrets.signUpPassword, newPassword: secrets.newPassword },
    })
    expect(changed.status).toBe(200)

    const key = await server.request('POST', '/api/auth/api-keys', { token, body: { name: 'script' } })
    expect(key.status).toBe(201)
    secrets.apiKey = key.body.data.key
    expect((await server.request('GET', '/api/pods', { token: secrets.apiKey })).status).toBe(200)

    const created = await server.request('POST', '/api/pods', {
      token,
      body: {
        name: 'notebook',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        containerDiskSize: 1,
        volumeDiskSize: 1,
        ports: [8080],
        enableJupyter: true,
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const podId: string = created.body.data.podId
    const pod: Json = await eventually(async () => {
      const p = (await server.request('GET', `/api/pods/${podId}`, { token })).body.data
      return p.status === 'running' && p.httpServices.every((s: Json) => s.status === 'ready') ? p : null
    })
    const row = await server.platform.database.db
      .selectFrom('pods')
      .select('jupyter_token_sealed')
      .where('id', '=', podId)
      .executeTakeFirstOrThrow()
    secrets.jupyterToken = server.platform.secrets.open(row.jupyter_token_sealed!)

    // A browser opens the Jupyter port: sign-in hand-over, then the pod cookie.
    const podHost = `${pod.slug}-8888.localhost`
    const target = `http://${podHost}:${new URL(server.url).port}/jupyter/api/status`
    const authorize = await server.request(
      'GET',
      `/api/proxy/authorize?target=${encodeURIComponent(target)}`,
      {
        headers: { accept: 'text/html', cookie: `neuropod_session=${token}` },
      },
    )
    expect(authorize.status).toBe(302)
    const ticketUrl = new URL(String(authorize.headers.location))
    secrets.ticket = ticketUrl.searchParams.get('ticket')!
    const redeemed = await podRequest(server.url, podHost, ticketUrl.pathname + ticketUrl.search)
    expect(redeemed.status, redeemed.body).toBe(302)
    const podCookie = String(redeemed.headers['set-cookie']?.[0]).split(';')[0]!
    secrets.podCookie = podCookie.slice(podCookie.indexOf('=') + 1)
    // A replayed ticket is refused, and says so without repeating it.
    expect((await podRequest(server.url, podHost, ticketUrl.pathname + ticketUrl.search)).status).not.toBe(
      302,
    )

    // The one-time link for a token-only client carries a ticket too.
    const link = await server.request('POST', `/api/pods/${podId}/ports/8888/open-link`, {
      token: secrets.apiKey,
      body: { path: '/lab' },
    })
    expect(link.status, JSON.stringify(link.body)).toBe(200)
    const linkUrl = new URL(link.body.data.url)
    secrets.openLinkTicket = linkUrl.searchParams.get('ticket')!
    expect((await podRequest(server.url, podHost, linkUrl.pathname + linkUrl.search)).status).toBe(302)

    const jupyter = await podRequest(server.url, podHost, '/jupyter/api/status', {
      headers: { cookie: podCookie, accept: 'application/json' },
    })
    expect(jupyter.status, jupyter.body).toBe(200)
    // The proxy added the Jupyter token on the way (the upstream checked it).
    expect(jupyter.json().authenticated).toBe(true)
    const viaKey = await podRequest(server.url, podHost, '/jupyter/api/status', {
      headers: { authorization: `Bearer ${secrets.apiKey}`, accept: 'application/json' },
    })
    expect(viaKey.status).toBe(200)
    const externalAuth = await server.request('GET', '/api/proxy/auth', {
      headers: { cookie: podCookie, 'x-original-url': `http://${podHost}/lab` },
    })
    expect(externalAuth.status).toBe(200)
    expect(externalAuth.headers.authorization).toBe(`token ${secrets.jupyterToken}`)

    const socket = await server.socket(token)
    socket.emit('subscribe', { podId })
    socket.disconnect()
    expect((await server.request('POST', '/api/auth/logout', { token, body: {} })).status).toBe(200)
    expect((await server.request('GET', '/api/auth/me', { token })).status).toBe(401)

    secrets.adminPassword = ADMIN_PASSWORD
    secrets.adminToken = server.adminToken
    secrets.instanceSecret = server.config.secret!

    const log = lines.join('')
    // The logs did record this traffic (else the check below proves nothing).
    for (const seen of [
      '/api/auth/login',
      '/api/auth/me/password',
      '/api/proxy/authorize',
      '/api/proxy/auth',
      '/open-link',
    ])
      expect(log, `the log mentions ${seen}`).toContain(seen)
    expect(Object.keys(secrets)).toHaveLength(13)
    const leaked = Object.entries(secrets)
      .filter(([, value]) => value && log.includes(value))
      .map(([name]) => name)
    expect(leaked).toEqual([])
  })
})
