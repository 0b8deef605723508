import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_EMAIL, createTestServer, type TestServer } from './harness.js'

describe('GET /api/auth/session', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('answers null for a visitor, with 200 rather than 401', async () => {
    const res = await server.request('GET', '/api/auth/session', { token: null })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ success: true, data: null })
  })

  it('answers the signed-in user (each caller sees only themselves)', async () => {
    const alice = await server.newClient('alice')
    const bob = await server.newClient('bob')
    const a = await server.request('GET', '/api/auth/session', { token: alice.token })
    expect(a.status).toBe(200)
    expect(a.body.data).toMatchObject({ id: alice.id, email: alice.email, role: 'client' })
    const b = await server.request('GET', '/api/auth/session', { token: bob.token })
    expect(b.body.data).toMatchObject({ id: bob.id, email: bob.email })
    const admin = await server.request('GET', '/api/auth/session', { token: server.adminToken })
    expect(admin.body.data).toMatchObject({ email: ADMIN_EMAIL, role: 'admin', balance: 'Infinity' })
  })

  it('answers null once the session has ended', async () => {
    const carol = await server.newClient('carol')
    const out = await server.request('POST', '/api/auth/logout', { token: carol.token, body: {} })
    expect(out.status).toBe(200)
    const res = await server.request('GET', '/api/auth/session', { token: carol.token })
    expect(res.status).toBe(200)
    expect(res.body.data).toBeNull()
  })
})
