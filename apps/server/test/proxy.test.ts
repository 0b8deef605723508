import { createHash } from 'node:crypto'
import http from 'node:http'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextMessage, type PodResponse, podRequest, podSocket } from './fakes/pod-client.js'
import { ProcessRuntime } from './fakes/process-runtime.js'
import { createTestServer, eventually, type Json, type TestServer } from './harness.js'

/**
 * Pod URLs end to end: the real server, its proxy and reconciler, pods "running" as real upstream
 * processes (HTTP, SSE, uploads, WebSockets), and clients speaking HTTP to the server's port with
 * pod hosts in the Host header.
 */

const JSON_ACCEPT = { accept: 'application/json' }
const HTML_ACCEPT = { accept: 'text/html,application/xhtml+xml' }

interface Actor {
  token: string
  id: string
  email: string
}

let server: TestServer
let runtime: ProcessRuntime
let owner: Actor
let other: Actor
let admin: { token: string }
let podA: Json // ports 8080 (private), 8081 (public), 8888 (Jupyter)
let podB: Json // port 8080, another pod of the same owner
let podC: Json // port 9000, where nothing listens

const host = (pod: Json, port: number) => `${pod.slug}-${port}.localhost`
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const get = (pod: Json, port: number, path: string, headers: Record<string, string> = {}) =>
  podRequest(server.url, host(pod, port), path, { headers: { ...JSON_ACCEPT, ...headers } })

async function createPod(token: string, body: Record<string, unknown>): Promise<Json> {
  const res = await server.request('POST', '/api/pods', {
    token,
    body: { dockerImage: 'busybox:latest', gpu: 'cpu', containerDiskSize: 1, volumeDiskSize: 1, ...body },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return (await server.request('GET', `/api/pods/${res.body.data.podId}`, { token })).body.data
}

async function waitForPod(podId: string, check: (pod: Json) => boolean): Promise<Json> {
  return eventually(async () => {
    const res = await server.request('GET', `/api/pods/${podId}`, { token: server.adminToken })
    return check(res.body.data) ? res.body.data : null
  })
}

/** Runs the sign-in hand-over for `token`'s session and returns the pod cookie it ends with. */
async function handOver(pod: Json, port: number, token: string, path = '/headers'): Promise<string> {
  const ticketUrl = await authorizeLocation(pod, port, token, path)
  const exchange = await podRequest(server.url, host(pod, port), ticketUrl.pathname + ticketUrl.search)
  expect(exchange.status, exchange.body).toBe(302)
  expect(exchange.headers.location).toBe(path)
  const setCookie = exchange.headers['set-cookie']?.[0] ?? ''
  return setCookie.split(';')[0]!
}

async function authorizeLocation(pod: Json, port: number, token: string | null, path = '/headers') {
  const target = `http://${host(pod, port)}:${new URL(server.url).port}${path}`
  const res = await server.request('GET', `/api/proxy/authorize?target=${encodeURIComponent(target)}`, {
    headers: { ...HTML_ACCEPT, ...(token ? { cookie: `neuropod_session=${token}` } : {}) },
  })
  expect(res.status, String(res.body)).toBe(302)
  return new URL(String(res.headers.location), server.config.publicUrl)
}

beforeAll(async () => {
  runtime = new ProcessRuntime()
  server = await createTestServer({
    runtime,
    env: {
      NEUROPOD_PROXY_ACTIVITY_FLUSH_MS: '100',
      NEUROPOD_PROXY_PORT: '0',
      NEUROPOD_PROXY_HOST: '127.0.0.1',
    },
  })
  owner = await server.newClient('owner')
  other = await server.newClient('other')
  admin = { token: server.adminToken }
  ;[podA, podB, podC] = await Promise.all([
    createPod(owner.token, { name: 'a', ports: [8080, 8081], enableJupyter: true }),
    createPod(owner.token, { name: 'b', ports: [8080] }),
    createPod(owner.token, { name: 'c', ports: [9000], env: { FAKE_CLOSED_PORTS: '9000' } }),
  ])
  const publicPort = await server.request('PATCH', `/api/pods/${podA.podId}/ports/8081`, {
    token: owner.token,
    body: { access: 'public' },
  })
  expect(publicPort.status, JSON.stringify(publicPort.body)).toBe(200)
  await Promise.all(
    [podA, podB].map((pod) =>
      waitForPod(
        pod.podId,
        (p) => p.status === 'running' && p.httpServices.every((s: Json) => s.status === 'ready'),
      ),
    ),
  )
  await waitForPod(podC.podId, (p) => p.status === 'creating' || p.status === 'running')
})

afterAll(async () => {
  await server?.stop()
})

describe('pod URLs: routing and access', () => {
  it('pod objects carry the pod URLs', async () => {
    const res = await server.request('GET', `/api/pods/${podA.podId}/connections`, { token: owner.token })
    const urls = res.body.data.httpServices.map((s: Json) => s.url)
    expect(urls).toContain(`http://${host(podA, 8080)}:0/`)
  })

  it('serves a private port to its owner (session token and API key), and to admins', async () => {
    const key = await server.request('POST', '/api/auth/api-keys', {
      token: owner.token,
      body: { name: 'script' },
    })
    expect(key.status).toBe(201)
    for (const token of [owner.token, key.body.data.key, admin.token]) {
      const res = await get(podA, 8080, '/', bearer(token))
      expect(res.status, res.body).toBe(200)
      expect(res.body).toContain('hello from pod port 8080')
    }
  })

  it('stops honouring an API key as soon as it is revoked', async () => {
    const key = await server.request('POST', '/api/auth/api-keys', {
      token: owner.token,
      body: { name: 'temp' },
    })
    expect((await get(podA, 8080, '/', bearer(key.body.data.key))).status).toBe(200)
    const revoked = await server.request('DELETE', `/api/auth/api-keys/${key.body.data.id}`, {
      token: owner.token,
    })
    expect(revoked.status).toBe(200)
    expect((await get(podA, 8080, '/', bearer(key.body.data.key))).status).toBe(401)
  })

  it('refuses a private port to anonymous clients (401) and to other clients (403)', async () => {
    const anonymous = await get(podA, 8080, '/')
    expect(anonymous.status).toBe(401)
    expect(anonymous.json().code).toBe('UNAUTHENTICATED')
    expect(anonymous.headers['www-authenticate']).toContain('Bearer')
    const stranger = await get(podA, 8080, '/', bearer(other.token))
    expect(stranger.status).toBe(403)
    expect(stranger.json().code).toBe('FORBIDDEN')
    expect(stranger.body).not.toContain('hello from pod')
    const strangerPage = await get(podA, 8080, '/', { ...bearer(other.token), ...HTML_ACCEPT })
    expect(strangerPage.status).toBe(403)
    expect(strangerPage.headers['content-type']).toContain('text/html')
    // The page leads back to NeuroPod and offers to sign in as someone else, then come back here.
    const base = server.config.publicUrl
    expect(strangerPage.body).toContain(`href="${base}/pods"`)
    const switchUrl = new URL(stranger.json().switchAccountUrl)
    expect(strangerPage.body).toContain('Sign in with another account')
    expect(switchUrl.pathname).toBe('/login')
    expect(switchUrl.searchParams.get('switch')).toBe('1')
    const back = new URL(switchUrl.searchParams.get('next')!, base)
    expect(back.pathname).toBe('/api/proxy/authorize')
    expect(back.searchParams.get('target')).toContain(host(podA, 8080))
    // In the browser's language.
    const spanish = await get(podA, 8080, '/', {
      ...bearer(other.token),
      ...HTML_ACCEPT,
      'accept-language': 'es-ES,es;q=0.9',
    })
    expect(spanish.body).toContain('<html lang="es">')
    expect(spanish.body).toContain('Iniciar sesión con otra cuenta')
    expect(spanish.body).toContain('es privado de su propietario')
  })

  it('serves a public port to everyone', async () => {
    for (const headers of [{}, bearer(other.token), bearer(owner.token), bearer(admin.token)]) {
      const res = await get(podA, 8081, '/', headers)
      expect(res.status).toBe(200)
      expect(res.body).toContain('hello from pod port 8081')
    }
  })

  it('applies an access change on the next request', async () => {
    const patch = (access: string) =>
      server.request('PATCH', `/api/pods/${podB.podId}/ports/8080`, { token: owner.token, body: { access } })
    expect((await patch('public')).status).toBe(200)
    expect((await get(podB, 8080, '/')).status).toBe(200)
    expect((await patch('private')).status).toBe(200)
    expect((await get(podB, 8080, '/')).status).toBe(401)
  })

  it('answers unknown pods and ports with a 404 page', async () => {
    const unknown = await podRequest(server.url, 'zzzzzzzzzz-8080.localhost', '/', { headers: HTML_ACCEPT })
    expect(unknown.status).toBe(404)
    expect(unknown.body).toContain('No pod here')
    const port = await get(podA, 7777, '/', bearer(owner.token))
    expect(port.status).toBe(404)
    expect(port.json().code).toBe('NOT_FOUND')
  })

  it('serves pod hosts on the separate proxy port, and nothing else there', async () => {
    expect(server.proxyUrl).not.toBeNull()
    const res = await podRequest(server.proxyUrl!, host(podA, 8080), '/', { headers: bearer(owner.token) })
    expect(res.status).toBe(200)
    const api = await podRequest(server.proxyUrl!, 'localhost', '/api/health')
    expect(api.status).toBe(421)
  })
})

describe('pod URLs: what reaches the pod', () => {
  it('strips the platform cookie, the pod cookie and NeuroPod credentials, and adds X-Forwarded-*', async () => {
    const podCookie = await handOver(podA, 8080, owner.token)
    const res = await get(podA, 8080, '/headers', {
      ...bearer(owner.token),
      cookie: `neuropod_session=${owner.token}; app=1; ${podCookie}; theme=dark`,
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-host': 'evil.example',
    })
    expect(res.status).toBe(200)
    const seen = res.json()
    expect(seen.headers.cookie).toBe('app=1; theme=dark')
    expect(seen.headers.authorization).toBeUndefined()
    expect(JSON.stringify(seen.rawHeaders)).not.toContain(owner.token)
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('neuropod_')
    expect(seen.headers.host).toBe(host(podA, 8080))
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(seen.headers['x-forwarded-host']).toBe(host(podA, 8080))
    expect(seen.headers['x-forwarded-proto']).toBe('http')
    expect(seen.headers['x-forwarded-port']).toBe(new URL(server.url).port)
  })

  it("keeps an Authorization header that is not NeuroPod's", async () => {
    const res = await get(podA, 8081, '/headers', { authorization: 'Bearer app-specific-token' })
    expect(res.json().headers.authorization).toBe('Bearer app-specific-token')
  })

  it("drops a pod's attempts to set the platform's cookies", async () => {
    const res = await get(podA, 8081, '/set-cookie')
    expect(res.headers['set-cookie']).toEqual(['app=1; Path=/'])
  })

  it('gives the Jupyter token to the owner and admins only, never to others', async () => {
    for (const token of [owner.token, admin.token]) {
      const status = await get(podA, 8888, '/jupyter/api/status', bearer(token))
      expect(status.status).toBe(200)
      expect(status.json().authenticated).toBe(true)
    }
    expect((await get(podA, 8888, '/jupyter/api/status', bearer(other.token))).status).toBe(403)
    // Even on a public Jupyter port, a stranger reaches Jupyter without the token.
    await server.request('PATCH', `/api/pods/${podA.podId}/ports/8888`, {
      token: owner.token,
      body: { access: 'public' },
    })
    try {
      for (const headers of [bearer(other.token), {}]) {
        const res = await get(podA, 8888, '/jupyter/api/status', headers)
        expect(res.status).toBe(403)
        expect(res.json().authenticated).toBe(false)
        const seen = (await get(podA, 8888, '/headers', headers)).json()
        expect(seen.headers.authorization).toBeUndefined()
      }
      expect((await get(podA, 8888, '/jupyter/api/status', bearer(owner.token))).json().authenticated).toBe(
        true,
      )
    } finally {
      await server.request('PATCH', `/api/pods/${podA.podId}/ports/8888`, {
        token: owner.token,
        body: { access: 'private' },
      })
    }
  })
})

describe('pod URLs: browser sign-in hand-over', () => {
  it('sends an anonymous browser to authorize, then to the login page and back', async () => {
    const res = await get(podA, 8080, '/notebooks/x?y=1', HTML_ACCEPT)
    expect(res.status).toBe(302)
    const authorize = new URL(String(res.headers.location))
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${server.config.publicUrl}/api/proxy/authorize`)
    expect(authorize.searchParams.get('target')).toBe(`http://${host(podA, 8080)}:0/notebooks/x?y=1`)

    const login = await server.request('GET', `${authorize.pathname}${authorize.search}`, {
      headers: HTML_ACCEPT,
    })
    expect(login.status).toBe(302)
    const loginUrl = new URL(String(login.headers.location), 'http://platform.invalid')
    expect(loginUrl.pathname).toBe('/login')
    expect(loginUrl.searchParams.get('next')).toBe(`${authorize.pathname}${authorize.search}`)
  })

  it('exchanges a ticket for a host-only cookie that opens the pod', async () => {
    const ticketUrl = await authorizeLocation(podA, 8080, owner.token, '/headers?q=1')
    expect(ticketUrl.host).toBe(`${host(podA, 8080)}:0`)
    expect(ticketUrl.pathname).toBe('/__neuropod/auth')
    const exchange = await podRequest(server.url, host(podA, 8080), ticketUrl.pathname + ticketUrl.search)
    expect(exchange.status).toBe(302)
    expect(exchange.headers.location).toBe('/headers?q=1')
    const setCookie = exchange.headers['set-cookie']![0]!
    expect(setCookie).toMatch(/^neuropod_pod=/)
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Lax')
    expect(setCookie).not.toMatch(/domain=/i)
    expect(setCookie).not.toContain(owner.token)
    const cookie = setCookie.split(';')[0]!
    const res = await get(podA, 8080, '/headers', { cookie })
    expect(res.status).toBe(200)
    expect(res.json().headers.cookie).toBeUndefined()
  })

  it('refuses a replayed ticket', async () => {
    const ticketUrl = await authorizeLocation(podA, 8080, owner.token)
    const path = ticketUrl.pathname + ticketUrl.search
    expect((await podRequest(server.url, host(podA, 8080), path)).status).toBe(302)
    const replay = await podRequest(server.url, host(podA, 8080), path, { headers: HTML_ACCEPT })
    expect(replay.status).toBe(400)
    expect(replay.body).toContain('already used')
    expect(replay.headers['set-cookie']).toBeUndefined()
  })

  it("refuses a ticket or a cookie on another pod's host", async () => {
    const ticketUrl = await authorizeLocation(podA, 8080, owner.token)
    const elsewhere = await podRequest(server.url, host(podB, 8080), ticketUrl.pathname + ticketUrl.search)
    expect(elsewhere.status).toBe(400)
    expect(elsewhere.headers['set-cookie']).toBeUndefined()

    const cookie = await handOver(podA, 8080, owner.token)
    expect((await get(podA, 8080, '/', { cookie })).status).toBe(200)
    // Same owner, so only the binding to the host can refuse it: another pod, another port of the same pod.
    expect((await get(podB, 8080, '/', { cookie })).status).toBe(401)
    expect((await get(podA, 8888, '/', { cookie })).status).toBe(401)
  })

  it('ends pod access when the session is logged out', async () => {
    const login = await server.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: 'client-password-1' },
    })
    const session = login.body.token
    const cookie = await handOver(podA, 8080, session)
    expect((await get(podA, 8080, '/', { cookie })).status).toBe(200)
    const logout = await server.request('POST', '/api/auth/logout', { token: session, body: {} })
    expect(logout.status, JSON.stringify(logout.body)).toBe(200)
    expect((await get(podA, 8080, '/', { cookie })).status).toBe(401)
  })

  it('authorizes by role: 403 for another client, a ticket for an admin, no ticket on a public port', async () => {
    const target = `http://${host(podA, 8080)}/`
    const stranger = await server.request(
      'GET',
      `/api/proxy/authorize?target=${encodeURIComponent(target)}`,
      {
        headers: { ...HTML_ACCEPT, cookie: `neuropod_session=${other.token}` },
      },
    )
    expect(stranger.status).toBe(403)
    expect(String(stranger.body)).toContain('private')
    expect(String(stranger.body)).toContain('Sign in with another account')
    expect(String(stranger.body)).toContain('/login?switch=1&#38;next=')

    const asAdmin = await authorizeLocation(podA, 8080, admin.token)
    expect(asAdmin.pathname).toBe('/__neuropod/auth')

    const publicPort = await authorizeLocation(podA, 8081, other.token, '/x')
    expect(publicPort.pathname).toBe('/x')
    expect(publicPort.searchParams.get('ticket')).toBeNull()
  })

  it('rejects authorize targets that are not pod URLs of this NeuroPod', async () => {
    for (const target of ['https://evil.example/', 'not a url', `javascript://${host(podA, 8080)}/`]) {
      const res = await server.request('GET', `/api/proxy/authorize?target=${encodeURIComponent(target)}`, {
        headers: { cookie: `neuropod_session=${owner.token}` },
      })
      expect(res.status).toBe(400)
    }
    const missing = await server.request(
      'GET',
      `/api/proxy/authorize?target=${encodeURIComponent('http://zzzzzzzzzz-8080.localhost/')}`,
      { headers: { cookie: `neuropod_session=${owner.token}` } },
    )
    expect(missing.status).toBe(404)
    expect((await server.request('GET', '/api/proxy/authorize')).status).toBe(400)
  })

  it('only honours the pod cookie for state-changing requests from the pod host itself', async () => {
    const cookie = await handOver(podA, 8080, owner.token)
    const post = (origin: string) =>
      podRequest(server.url, host(podA, 8080), '/headers', {
        method: 'POST',
        headers: { ...JSON_ACCEPT, cookie, origin, 'content-type': 'text/plain' },
        body: 'x',
      })
    expect((await post(`http://${host(podA, 8080)}`)).status).toBe(200)
    const forged = await post(`http://${host(podB, 8080)}`)
    expect(forged.status).toBe(403)
  })
})

describe('pod URLs: ingress-nginx external auth', () => {
  const check = (pod: Json, port: number, headers: Record<string, string> = {}) =>
    server.request('GET', '/api/proxy/auth', {
      headers: { 'x-original-url': `https://${host(pod, port)}/lab?x=1`, ...headers },
    })

  it('answers 401, 403 or 200 for the pod host in X-Original-URL', async () => {
    expect((await check(podA, 8080)).status).toBe(401)
    expect((await check(podA, 8080, bearer(other.token))).status).toBe(403)
    expect((await check(podA, 8080, bearer(owner.token))).status).toBe(200)
    expect((await check(podA, 8080, bearer(admin.token))).status).toBe(200)
    expect((await check(podA, 8081)).status).toBe(200)
    expect((await check({ slug: 'zzzzzzzzzz' }, 8080)).status).toBe(404)
  })

  it('accepts the pod cookie of that host only, and falls back to X-Forwarded-Host', async () => {
    const cookie = await handOver(podA, 8080, owner.token)
    expect((await check(podA, 8080, { cookie })).status).toBe(200)
    expect((await check(podB, 8080, { cookie })).status).toBe(401)
    const byForwardedHost = await server.request('GET', '/api/proxy/auth', {
      headers: { 'x-forwarded-host': host(podA, 8080), cookie },
    })
    expect(byForwardedHost.status).toBe(200)
  })

  it('tells the ingress what the pod should receive: no platform cookies, the Jupyter token for the owner', async () => {
    const cookie = await handOver(podA, 8888, owner.token, '/')
    const res = await check(podA, 8888, { cookie: `app=1; ${cookie}; neuropod_session=${owner.token}` })
    expect(res.status).toBe(200)
    expect(res.headers.cookie).toBe('app=1')
    expect(String(res.headers.authorization)).toMatch(/^token \S+$/)
    const plain = await check(podA, 8080, bearer(owner.token))
    expect(plain.headers.authorization).toBeUndefined()
  })

  it('starts the hand-over from auth-signin', async () => {
    const rd = `http://${host(podA, 8080)}/lab`
    const anonymous = await server.request('GET', `/api/proxy/signin?rd=${encodeURIComponent(rd)}`)
    expect(anonymous.status).toBe(302)
    expect(String(anonymous.headers.location)).toMatch(/^\/login\?next=/)
    const as = (token: string) =>
      server.request('GET', `/api/proxy/signin?rd=${encodeURIComponent(rd)}`, {
        headers: { cookie: `neuropod_session=${token}` },
      })
    for (const token of [owner.token, admin.token])
      expect(new URL(String((await as(token)).headers.location)).pathname).toBe('/__neuropod/auth')
    expect((await as(other.token)).status).toBe(403)
    expect((await server.request('GET', '/api/proxy/signin?rd=https%3A%2F%2Fevil.example%2F')).status).toBe(
      400,
    )
  })
})

describe('pod URLs: streaming', () => {
  it('streams server-sent events as the pod writes them', async () => {
    const started = Date.now()
    const arrivals: number[] = []
    const res = await new Promise<PodResponse>((resolve, reject) => {
      const base = new URL(server.url)
      const req = http.request(
        {
          host: base.hostname,
          port: base.port,
          path: '/sse?n=4&gap=300',
          headers: { host: host(podA, 8080), ...bearer(owner.token), accept: 'text/event-stream' },
        },
        (r) => {
          let body = ''
          r.on('data', (chunk: Buffer) => {
            arrivals.push(Date.now() - started)
            body += chunk.toString()
          })
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 0, headers: r.headers, body, json: () => null }),
          )
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/event-stream')
    expect(res.body.match(/^data: /gm)).toHaveLength(4)
    // The first event arrives long before the stream ends (nothing is buffered until the end).
    expect(arrivals[0]!).toBeLessThan(600)
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(800)
  })

  it('streams a 50 MB upload to the pod intact, with backpressure instead of buffering', async () => {
    const size = 50 * 1024 * 1024
    const block = Buffer.alloc(64 * 1024)
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff
    const expected = createHash('sha256')
    let sent = 0
    const body = new Readable({
      read() {
        if (sent >= size) {
          this.push(null)
          return
        }
        sent += block.length
        expected.update(block)
        this.push(block)
      },
    })
    const baseline = process.memoryUsage()
    let peak = 0
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (baseline.heapUsed + baseline.arrayBuffers))
    }, 5)
    // The pod does not read for the first second: a streaming proxy makes the client wait, a
    // buffering one would swallow all 50 MB (loopback moves that in a fraction of a second).
    let sentWhilePodPaused = 0
    const probe = setTimeout(() => {
      sentWhilePodPaused = sent
    }, 700)
    try {
      const res = await podRequest(server.url, host(podA, 8080), '/upload?pauseMs=1000', {
        method: 'POST',
        headers: {
          ...bearer(owner.token),
          'content-type': 'application/octet-stream',
          'content-length': String(size),
        },
        body,
      })
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ bytes: size, sha256: expected.digest('hex') })
    } finally {
      clearInterval(sampler)
      clearTimeout(probe)
    }
    expect(sentWhilePodPaused).toBeGreaterThan(0)
    expect(sentWhilePodPaused).toBeLessThan(size / 2)
    // Client, server and proxy share this process; holding the body would keep ≥ 50 MB alive at once.
    expect(peak).toBeLessThan(size)
  })

  it('streams a chunked upload too', async () => {
    const res = await podRequest(server.url, host(podA, 8080), '/upload', {
      method: 'POST',
      headers: bearer(owner.token),
      body: Readable.from([Buffer.from('hello '), Buffer.from('world')]),
    })
    expect(res.json()).toEqual({
      bytes: 11,
      sha256: createHash('sha256').update('hello world').digest('hex'),
    })
  })
})

describe('pod URLs: WebSockets', () => {
  it('tunnels a WebSocket for the owner, without NeuroPod credentials reaching the pod', async () => {
    const ws = await podSocket(server.url, host(podA, 8080), '/ws', bearer(owner.token))
    try {
      const hello = JSON.parse((await nextMessage(ws)).data.toString())
      expect(hello.headers.authorization).toBeUndefined()
      expect(hello.headers['x-forwarded-for']).toBe('127.0.0.1')
      ws.send('ping')
      expect((await nextMessage(ws)).data.toString()).toBe('ping')
      const big = Buffer.alloc(1024 * 1024, 7)
      ws.send(big)
      const echo = await nextMessage(ws)
      expect(echo.binary).toBe(true)
      expect(Buffer.compare(echo.data, big)).toBe(0)
    } finally {
      ws.close()
    }
  })

  it('decides WebSocket access like HTTP: anonymous 401, other client 403, admin and public allowed', async () => {
    await expect(podSocket(server.url, host(podA, 8080), '/ws')).rejects.toMatchObject({ status: 401 })
    await expect(podSocket(server.url, host(podA, 8080), '/ws', bearer(other.token))).rejects.toMatchObject({
      status: 403,
    })
    for (const [port, headers] of [
      [8080, bearer(admin.token)],
      [8081, {}],
    ] as const) {
      const ws = await podSocket(server.url, host(podA, port), '/ws', headers)
      await nextMessage(ws)
      ws.send('x')
      expect((await nextMessage(ws)).data.toString()).toBe('x')
      ws.close()
    }
  })

  it("accepts the pod cookie only from the pod's own pages", async () => {
    const cookie = await handOver(podA, 8080, owner.token)
    const ws = await podSocket(server.url, host(podA, 8080), '/ws', { cookie }, `http://${host(podA, 8080)}`)
    const hello = JSON.parse((await nextMessage(ws)).data.toString())
    expect(hello.headers.cookie).toBeUndefined()
    ws.close()
    await expect(
      podSocket(server.url, host(podA, 8080), '/ws', { cookie }, `http://${host(podB, 8080)}`),
    ).rejects.toMatchObject({ status: 403 })
  })

  it("relays the pod's refusal of a WebSocket", async () => {
    await expect(podSocket(server.url, host(podA, 8081), '/ws-refuse')).rejects.toMatchObject({
      status: 403,
      body: 'refused',
    })
  })

  it('records pod activity from requests and WebSocket frames, in batches', async () => {
    await get(podA, 8081, '/')
    const first = await waitForPod(podA.podId, (p) => p.lastActive !== null)
    const ws = await podSocket(server.url, host(podA, 8081), '/ws')
    await nextMessage(ws)
    await new Promise((r) => setTimeout(r, 150))
    ws.send('still here')
    await nextMessage(ws)
    const later = await waitForPod(
      podA.podId,
      (p) => new Date(p.lastActive).getTime() > new Date(first.lastActive).getTime(),
    )
    ws.close()
    expect(new Date(later.lastActive).getTime()).toBeLessThanOrEqual(Date.now())
  })
})

describe('pod URLs: pods that cannot answer', () => {
  it('shows a page, not a 502 trace, when nothing listens on the port', async () => {
    const page = await get(podC, 9000, '/', { ...bearer(owner.token), ...HTML_ACCEPT })
    expect(page.status).toBe(502)
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.body).toMatch(/Service (starting|not answering)/)
    expect(page.body).toContain('http-equiv="refresh"')
    const api = await get(podC, 9000, '/', bearer(owner.token))
    expect(api.json().code).toBe('RUNTIME_UNAVAILABLE')
  })

  it('keeps private pods private even when they are down', async () => {
    expect((await get(podC, 9000, '/')).status).toBe(401)
  })

  it('shows a page for a stopped pod, then for a deleted one', async () => {
    const pod = await createPod(owner.token, { name: 'short-lived', ports: [8080] })
    await waitForPod(pod.podId, (p) => p.status === 'running')
    expect((await get(pod, 8080, '/', bearer(owner.token))).status).toBe(200)
    await server.request('POST', `/api/pods/${pod.podId}/stop`, { token: owner.token })
    await waitForPod(pod.podId, (p) => p.status === 'stopped')
    const stopped = await get(pod, 8080, '/', { ...bearer(owner.token), ...HTML_ACCEPT })
    expect(stopped.status).toBe(503)
    expect(stopped.body).toContain('Pod stopped')
    expect((await get(pod, 8080, '/', bearer(owner.token))).json()).toMatchObject({
      code: 'INVALID_STATE',
      podStatus: 'stopped',
    })

    await server.request('DELETE', `/api/pods/${pod.podId}`, { token: owner.token })
    await eventually(async () => (await get(pod, 8080, '/', bearer(owner.token))).status === 404)
    const deleted = await get(pod, 8080, '/', { ...bearer(owner.token), ...HTML_ACCEPT })
    expect(deleted.body).toContain('Pod deleted')
  })
})
