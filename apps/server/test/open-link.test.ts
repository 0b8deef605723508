import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { podRequest } from './fakes/pod-client.js'
import { ProcessRuntime } from './fakes/process-runtime.js'
import { createTestServer, eventually, type Json, ManualClock, type TestServer } from './harness.js'

/**
 * A client that holds only a bearer token (a script, the CLI, an app on another origin) opens a
 * private pod URL through a one-time link: the real server and proxy, a pod answering as a real
 * upstream process.
 */

const HTML_ACCEPT = { accept: 'text/html,application/xhtml+xml' }

async function createPod(server: TestServer, token: string, ports: number[]): Promise<Json> {
  const res = await server.request('POST', '/api/pods', {
    token,
    body: { name: `link-${ports.join('-')}`, dockerImage: 'busybox:latest', gpu: 'cpu', ports },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.pod
}

const openLink = (
  server: TestServer,
  podId: string,
  port: number | string,
  token: string | null,
  body?: unknown,
) => server.request('POST', `/api/pods/${podId}/ports/${port}/open-link`, { token, body })

/** Follows the link as a browser would: the pod host in Host, the path and query of the link. */
const visit = (server: TestServer, link: string, headers: Record<string, string> = {}) => {
  const url = new URL(link)
  return podRequest(server.url, url.host, url.pathname + url.search, { headers })
}

describe('one-time links into pod URLs', () => {
  let server: TestServer
  let owner: { token: string; id: string }
  let other: { token: string; id: string }
  let pod: Json

  beforeAll(async () => {
    server = await createTestServer({ runtime: new ProcessRuntime() })
    owner = await server.newClient('link-owner')
    other = await server.newClient('link-other')
    pod = await createPod(server, owner.token, [8080])
    await eventually(async () => {
      const res = await server.request('GET', `/api/pods/${pod.podId}`, { token: owner.token })
      return res.body.data.status === 'running' && res.body.data.httpServices[0].status === 'ready'
    })
  })
  afterAll(() => server?.stop())

  it('signs a bearer-only client into the private port once, and refuses a replay', async () => {
    // Without a credential the pod URL sends the browser to sign in.
    const podUrl = new URL(pod.httpServices[0].url)
    const anonymous = await podRequest(server.url, podUrl.host, '/headers', { headers: HTML_ACCEPT })
    expect(anonymous.status).toBe(302)

    const res = await openLink(server, pod.podId, 8080, owner.token, { path: '/headers?x=1' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const { url, expiresAt } = res.body.data
    expect(new URL(url).host).toBe(podUrl.host)
    expect(url).not.toContain(owner.token)
    const ttl = Date.parse(expiresAt) - Date.now()
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)

    const first = await visit(server, url)
    expect(first.status, first.body).toBe(302)
    expect(first.headers.location).toBe('/headers?x=1')
    const cookie = (first.headers['set-cookie']?.[0] ?? '').split(';')[0]!
    expect(cookie).not.toBe('')
    const page = await podRequest(server.url, podUrl.host, '/headers', { headers: { cookie } })
    expect(page.status).toBe(200)
    // The pod never sees the platform's credential.
    expect(JSON.stringify(page.json())).not.toContain(owner.token)

    const replay = await visit(server, url, HTML_ACCEPT)
    expect(replay.status).toBe(400)
    expect(replay.body).toContain('already used')
    expect(replay.headers['set-cookie']).toBeUndefined()
  })

  it('is for the owner and admins only, on an HTTP port of the pod', async () => {
    expect((await openLink(server, pod.podId, 8080, null)).status).toBe(401)
    expect((await openLink(server, pod.podId, 8080, other.token)).status).toBe(403)
    const asAdmin = await openLink(server, pod.podId, 8080, server.adminToken)
    expect(asAdmin.status).toBe(200)
    expect((await visit(server, asAdmin.body.data.url)).status).toBe(302)
    expect((await openLink(server, pod.podId, 9999, owner.token)).status).toBe(404)
    expect((await openLink(server, '0123456789abcdef', 8080, owner.token)).status).toBe(404)
    expect((await openLink(server, pod.podId, 'http', owner.token)).status).toBe(400)
    expect((await openLink(server, pod.podId, 8080, owner.token, { path: 'lab' })).status).toBe(400)
    expect((await openLink(server, pod.podId, 8080, owner.token, { next: '/' })).status).toBe(400)
  })

  it('lands only on the pod host itself', async () => {
    const res = await openLink(server, pod.podId, 8080, owner.token, { path: '//evil.example/x' })
    expect(res.status).toBe(200)
    const first = await visit(server, res.body.data.url)
    expect(first.status).toBe(302)
    expect(first.headers.location).toBe('/')
  })

  it('stops working when the token that made it is revoked', async () => {
    const key = await server.request('POST', '/api/auth/api-keys', {
      token: owner.token,
      body: { name: 'script' },
    })
    expect(key.status, JSON.stringify(key.body)).toBe(201)
    const link = await openLink(server, pod.podId, 8080, key.body.data.key)
    expect(link.status, JSON.stringify(link.body)).toBe(200)
    await server.request('DELETE', `/api/auth/api-keys/${key.body.data.id}`, { token: owner.token })
    const first = await visit(server, link.body.data.url, HTML_ACCEPT)
    expect(first.status).not.toBe(302)
    expect(first.headers['set-cookie']).toBeUndefined()
  })
})

describe('one-time link expiry', () => {
  const clock = new ManualClock(new Date())
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer({ clock, env: { NEUROPOD_PROXY_TICKET_TTL_SECONDS: '30' } })
  })
  afterAll(() => server?.stop())

  it('refuses a link past its expiry', async () => {
    const client = await server.newClient('link-expiry')
    const pod = await createPod(server, client.token, [8888])
    const res = await openLink(server, pod.podId, 8888, client.token)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(Date.parse(res.body.data.expiresAt)).toBe(clock.now().getTime() + 30_000)
    clock.advance(31_000)
    const late = await visit(server, res.body.data.url, HTML_ACCEPT)
    expect(late.status).toBe(400)
    expect(late.body).toMatch(/expired/)
    expect(late.headers['set-cookie']).toBeUndefined()
  })
})
