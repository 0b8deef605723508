import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { podRequest } from './fakes/pod-client.js'
import { createTestServer, eventually, type Json, type TestServer, usingPostgres } from './harness.js'

/**
 * Two replicas on one PostgreSQL database (the scale-out set-up): a sign-in ticket works once
 * across replicas, and an access change made on one replica applies on the other at once (bus).
 * Needs NEUROPOD_TEST_DATABASE_URL; PGlite is a single process, so it skips without it.
 */
const skip = usingPostgres() ? null : 'needs PostgreSQL (NEUROPOD_TEST_DATABASE_URL)'
if (skip) console.warn(`[proxy-replicas] SKIPPED: ${skip}`)

describe.skipIf(skip !== null)('pod URLs across replicas', () => {
  let a: TestServer
  let b: TestServer
  let owner: { token: string }
  let pod: Json
  const host = () => `${pod.slug}-8080.localhost`

  beforeAll(async () => {
    a = await createTestServer()
    b = await createTestServer({ database: a.platform.database })
    owner = await a.newClient('replica-owner')
    const created = await a.request('POST', '/api/pods', {
      token: owner.token,
      body: {
        name: 'r',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        containerDiskSize: 1,
        volumeDiskSize: 1,
      },
    })
    expect(created.status).toBe(201)
    pod = (await a.request('GET', `/api/pods/${created.body.data.podId}`, { token: owner.token })).body.data
  })
  afterAll(async () => {
    await b?.stop()
    await a?.stop()
  })

  it('redeems a ticket once, whichever replica sees it', async () => {
    const target = `http://${host()}/`
    const authorize = await a.request('GET', `/api/proxy/authorize?target=${encodeURIComponent(target)}`, {
      headers: { cookie: `neuropod_session=${owner.token}` },
    })
    const ticketUrl = new URL(String(authorize.headers.location))
    const path = ticketUrl.pathname + ticketUrl.search
    expect((await podRequest(b.url, host(), path)).status).toBe(302)
    expect((await podRequest(a.url, host(), path)).status).toBe(400)
    expect((await podRequest(b.url, host(), path)).status).toBe(400)
  })

  it('applies an access change made on one replica on the other', async () => {
    const auth = (server: TestServer) =>
      server.request('GET', '/api/proxy/auth', { headers: { 'x-original-url': `https://${host()}/` } })
    expect((await auth(b)).status).toBe(401)
    const patch = await a.request('PATCH', `/api/pods/${pod.podId}/ports/8080`, {
      token: owner.token,
      body: { access: 'public' },
    })
    expect(patch.status).toBe(200)
    await eventually(async () => (await auth(b)).status === 200, 5000)
  })
})
