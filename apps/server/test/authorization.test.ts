import fs from 'node:fs'
import path from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type TestServer } from './harness.js'

/**
 * Every endpoint × (anonymous, owner, another client, admin). The table must cover every operation
 * in the generated OpenAPI document, so a new endpoint without an authorization test fails here.
 */

type Role = 'anon' | 'owner' | 'other' | 'admin'
interface Target {
  path: string
  body?: unknown
  headers?: Record<string, string>
}
interface Case {
  method: string
  /** OpenAPI path template, used for the coverage check */
  route: string
  expect: Record<Role, number>
  /** Builds the request for one role (fresh fixtures for destructive calls) */
  target: (role: Role) => Promise<Target> | Target
}

const PUBLIC = { anon: 200, owner: 200, other: 200, admin: 200 }
const USER = { anon: 401, owner: 200, other: 200, admin: 200 }
const ADMIN = { anon: 401, owner: 403, other: 403, admin: 200 }
const OWNED = { anon: 401, owner: 200, other: 403, admin: 200 }

describe('authorization matrix', () => {
  let server: TestServer
  let owner: { token: string; id: string; email: string }
  let other: { token: string; id: string; email: string }
  let podId: string
  let templateId: string
  let ownerKeyId: string
  const cases: Case[] = []

  const tokenOf = (role: Role) =>
    role === 'anon'
      ? null
      : role === 'owner'
        ? owner.token
        : role === 'other'
          ? other.token
          : server.adminToken

  async function newPod(token = owner.token): Promise<string> {
    const res = await server.request('POST', '/api/pods', {
      token,
      body: {
        name: `p-${Math.random().toString(36).slice(2, 8)}`,
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.data.podId
  }

  beforeAll(async () => {
    server = await createTestServer({ env: { NEUROPOD_DEV_LOGIN: 'true' } })
    owner = await server.newClient('owner')
    other = await server.newClient('other')
    // Room for the fresh pods the destructive cases create.
    await server.request('PUT', '/api/pricing', {
      token: server.adminToken,
      body: { limits: { podsPerUser: 50 } },
    })
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: owner.id, amount: 1000, reason: 'tests' },
    })
    podId = await newPod()
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: owner.token })).body.data.status ===
        'running',
    )
    const templates = await server.request('GET', '/api/templates', { token: server.adminToken })
    templateId = templates.body[0].id
    const key = await server.request('POST', '/api/auth/api-keys', {
      token: owner.token,
      body: { name: 'matrix' },
    })
    ownerKeyId = key.body.data.id

    const fixed = (p: string, body?: unknown) => () => ({ path: p, body })
    const add = (method: string, route: string, expectation: Record<Role, number>, target: Case['target']) =>
      cases.push({ method, route, expect: expectation, target })

    // status
    add('GET', '/api/health', PUBLIC, fixed('/api/health'))
    add('GET', '/api/status/public', PUBLIC, fixed('/api/status/public'))
    add('GET', '/api/status', USER, fixed('/api/status'))
    add('GET', '/api/admin/runtime/orphans', ADMIN, fixed('/api/admin/runtime/orphans'))
    add('POST', '/api/admin/runtime/orphans/cleanup', ADMIN, fixed('/api/admin/runtime/orphans/cleanup'))
    add('GET', '/api/admin/stats', ADMIN, fixed('/api/admin/stats'))
    // auth (self-service: "owner" and "other" act on themselves)
    add('GET', '/api/auth/config', PUBLIC, fixed('/api/auth/config'))
    add('GET', '/api/auth/session', PUBLIC, fixed('/api/auth/session'))
    add('POST', '/api/auth/register', { anon: 201, owner: 201, other: 201, admin: 201 }, () => ({
      path: '/api/auth/register',
      body: {
        email: `r-${Math.random().toString(36).slice(2)}@test.local`,
        password: 'password-123',
        name: 'R',
      },
    }))
    add('POST', '/api/auth/login', PUBLIC, () => ({
      path: '/api/auth/login',
      body: { email: owner.email, password: 'client-password-1' },
    }))
    add(
      'POST',
      '/api/auth/google',
      { anon: 404, owner: 404, other: 404, admin: 404 },
      fixed('/api/auth/google', { token: 'not-a-google-token' }),
    )
    add(
      'GET',
      '/api/auth/google/callback',
      { anon: 302, owner: 302, other: 302, admin: 302 },
      fixed('/api/auth/google/callback'),
    )
    add(
      'POST',
      '/api/auth/mock-login',
      PUBLIC,
      fixed('/api/auth/mock-login', { email: 'dev-user@test.local' }),
    )
    add('POST', '/api/auth/logout', USER, async (role) => {
      // Logging out revokes the token used, so each role signs out a session of its own.
      if (role === 'anon') return { path: '/api/auth/logout' }
      return { path: '/api/auth/logout' }
    })
    add('GET', '/api/auth/verify', USER, fixed('/api/auth/verify'))
    add('GET', '/api/auth/me', USER, fixed('/api/auth/me'))
    add('PATCH', '/api/auth/me', USER, fixed('/api/auth/me', { name: 'Renamed' }))
    add(
      'POST',
      '/api/auth/me/password',
      { anon: 401, owner: 200, other: 200, admin: 200 },
      fixed('/api/auth/me/password', {
        currentPassword: 'client-password-1',
        newPassword: 'another-password-1',
      }),
    )
    add('GET', '/api/auth/api-keys', USER, fixed('/api/auth/api-keys'))
    add(
      'POST',
      '/api/auth/api-keys',
      { anon: 401, owner: 201, other: 201, admin: 201 },
      fixed('/api/auth/api-keys', { name: 'k' }),
    )
    add('DELETE', '/api/auth/api-keys/{id}', { anon: 401, owner: 200, other: 404, admin: 404 }, () => ({
      path: `/api/auth/api-keys/${ownerKeyId}`,
    }))
    // admin user management (the target is a fresh client each time)
    const freshClient = async () => (await server.newClient('target')).id
    add('GET', '/api/auth/users', ADMIN, fixed('/api/auth/users?search=test&page=1&limit=5'))
    add('POST', '/api/auth/users/balance', ADMIN, async () => ({
      path: '/api/auth/users/balance',
      body: { userId: await freshClient(), balance: 25 },
    }))
    add('POST', '/api/auth/users/credit', ADMIN, async () => ({
      path: '/api/auth/users/credit',
      body: { userId: await freshClient(), amount: 5, reason: 'gift' },
    }))
    add('POST', '/api/auth/users/suspend', ADMIN, async () => ({
      path: '/api/auth/users/suspend',
      body: { userId: await freshClient() },
    }))
    add('POST', '/api/auth/users/unsuspend', ADMIN, async () => ({
      path: '/api/auth/users/unsuspend',
      body: { userId: await freshClient() },
    }))
    add('POST', '/api/auth/users/role', ADMIN, async () => ({
      path: '/api/auth/users/role',
      body: { userId: await freshClient(), role: 'admin' },
    }))
    add('DELETE', '/api/auth/users/{userId}', ADMIN, async () => ({
      path: `/api/auth/users/${await freshClient()}`,
    }))
    add('POST', '/api/auth/admin/fix-balances', ADMIN, fixed('/api/auth/admin/fix-balances'))
    // pricing
    add('GET', '/api/pricing/public', PUBLIC, fixed('/api/pricing/public'))
    add('GET', '/api/status/pricing', PUBLIC, fixed('/api/status/pricing'))
    add('GET', '/api/pricing', USER, fixed('/api/pricing'))
    add('PUT', '/api/pricing', ADMIN, fixed('/api/pricing', { gpus: { 'rtx-4050': { price: 2.5 } } }))
    const cost = { gpu: 'rtx-4050', containerDiskSize: 10, volumeDiskSize: 20, hours: 2 }
    add('POST', '/api/pricing/calculate-cost', PUBLIC, fixed('/api/pricing/calculate-cost', cost))
    add('POST', '/api/status/calculate-cost', PUBLIC, fixed('/api/status/calculate-cost', cost))
    add('GET', '/api/pricing/gpus/available', USER, fixed('/api/pricing/gpus/available'))
    add('GET', '/api/pricing/gpus', USER, fixed('/api/pricing/gpus'))
    add('GET', '/api/pricing/gpus/{gpuId}', USER, fixed('/api/pricing/gpus/rtx-4050'))
    // templates (created by the admin: clients may read, not change)
    const freshTemplate = async () => {
      const res = await server.request('POST', '/api/templates', {
        token: server.adminToken,
        body: {
          name: `t-${Math.random().toString(36).slice(2, 10)}`,
          dockerImage: 'busybox:latest',
          httpPorts: [{ port: 8080, serviceName: 'web' }],
        },
      })
      return res.body.template.id as string
    }
    add('GET', '/api/templates', USER, fixed('/api/templates'))
    add('GET', '/api/templates/summary', USER, fixed('/api/templates/summary'))
    add('GET', '/api/templates/{id}', USER, () => ({ path: `/api/templates/${templateId}` }))
    add('POST', '/api/templates', { anon: 401, owner: 403, other: 403, admin: 201 }, () => ({
      path: '/api/templates',
      body: {
        name: `new-${Math.random().toString(36).slice(2, 10)}`,
        dockerImage: 'busybox:latest',
        httpPorts: [{ port: 8080, serviceName: 'web' }],
      },
    }))
    add('PUT', '/api/templates/{id}', ADMIN, async () => ({
      path: `/api/templates/${await freshTemplate()}`,
      body: { description: 'changed' },
    }))
    add('DELETE', '/api/templates/{id}', ADMIN, async () => ({
      path: `/api/templates/${await freshTemplate()}`,
    }))
    // pods (the owner's pod; another client must not reach it)
    add('GET', '/api/pods', USER, fixed('/api/pods'))
    add('POST', '/api/pods', { anon: 401, owner: 201, other: 201, admin: 201 }, () => ({
      path: '/api/pods',
      body: {
        name: `n-${Math.random().toString(36).slice(2, 8)}`,
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: '8080',
      },
    }))
    add('GET', '/api/pods/admin', ADMIN, fixed('/api/pods/admin?status=running&page=1&limit=10'))
    add('GET', '/api/pods/{podId}', OWNED, () => ({ path: `/api/pods/${podId}` }))
    add('GET', '/api/pods/{podId}/connections', OWNED, () => ({ path: `/api/pods/${podId}/connections` }))
    add('GET', '/api/pods/{podId}/logs', OWNED, () => ({ path: `/api/pods/${podId}/logs?tail=20` }))
    add('GET', '/api/pods/{podId}/events', OWNED, () => ({ path: `/api/pods/${podId}/events` }))
    add('GET', '/api/pods/{podId}/stats', OWNED, () => ({ path: `/api/pods/${podId}/stats` }))
    add('GET', '/api/pods/{podId}/metrics', OWNED, () => ({ path: `/api/pods/${podId}/metrics?range=24h` }))
    add('GET', '/api/admin/metrics/gpus', ADMIN, fixed('/api/admin/metrics/gpus?range=7d'))
    add('POST', '/api/pods/{podId}/start', OWNED, () => ({ path: `/api/pods/${podId}/start` }))
    add('POST', '/api/pods/{podId}/stop', OWNED, async () => ({ path: `/api/pods/${await newPod()}/stop` }))
    add('DELETE', '/api/pods/{podId}', OWNED, async () => ({ path: `/api/pods/${await newPod()}` }))
    add('PATCH', '/api/pods/{podId}/ports/{port}', OWNED, () => ({
      path: `/api/pods/${podId}/ports/8080`,
      body: { access: 'public' },
    }))
    add('POST', '/api/pods/{podId}/ports/{port}/open-link', OWNED, () => ({
      path: `/api/pods/${podId}/ports/8080/open-link`,
      body: { path: '/' },
    }))
    // idle auto-stop and notifications (ADR 0018)
    add('PATCH', '/api/pods/{podId}/auto-stop', OWNED, () => ({
      path: `/api/pods/${podId}/auto-stop`,
      body: { idleTimeoutMinutes: 45 },
    }))
    add('POST', '/api/pods/{podId}/extend', OWNED, () => ({ path: `/api/pods/${podId}/extend` }))
    add('GET', '/api/settings/idle', USER, fixed('/api/settings/idle'))
    add('PUT', '/api/settings/idle', ADMIN, fixed('/api/settings/idle', { warningLeadMinutes: 10 }))
    add('GET', '/api/notifications', USER, fixed('/api/notifications?limit=5'))
    // volumes (the owner's volume; another client must not reach it)
    const newVolume = async () => {
      const res = await server.request('POST', '/api/volumes', {
        token: owner.token,
        body: { name: `v-${Math.random().toString(36).slice(2, 8)}`, size: 1 },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      return res.body.data.volumeId as string
    }
    const volumeId = await newVolume()
    add('GET', '/api/volumes', USER, fixed('/api/volumes'))
    add('GET', '/api/admin/volumes/at-risk', ADMIN, fixed('/api/admin/volumes/at-risk'))
    add('POST', '/api/volumes', { anon: 401, owner: 201, other: 201, admin: 201 }, () => ({
      path: '/api/volumes',
      body: { name: `v-${Math.random().toString(36).slice(2, 8)}`, size: 1 },
    }))
    add('GET', '/api/volumes/{volumeId}', OWNED, () => ({ path: `/api/volumes/${volumeId}` }))
    add('PATCH', '/api/volumes/{volumeId}', OWNED, () => ({
      path: `/api/volumes/${volumeId}`,
      body: { name: `renamed-${Math.random().toString(36).slice(2, 8)}` },
    }))
    // Files go through a running pod's container; the simulation has none, so owners get a 409.
    const FILES = { anon: 401, owner: 409, other: 403, admin: 409 }
    add('GET', '/api/volumes/{volumeId}/files', FILES, () => ({
      path: `/api/volumes/${volumeId}/files?path=a`,
    }))
    add('PUT', '/api/volumes/{volumeId}/files', FILES, () => ({
      path: `/api/volumes/${volumeId}/files?path=a.txt`,
      body: 'hello',
      headers: { 'content-type': 'application/octet-stream' },
    }))
    add('DELETE', '/api/volumes/{volumeId}', OWNED, async () => ({
      path: `/api/volumes/${await newVolume()}`,
    }))
    // billing (the owner's account; another client may not name it)
    add('GET', '/api/billing/ledger', OWNED, () => ({ path: `/api/billing/ledger?userId=${owner.id}` }))
    add('GET', '/api/billing/usage', OWNED, () => ({ path: `/api/billing/usage?userId=${owner.id}` }))
    add('GET', '/api/billing/summary', OWNED, () => ({ path: `/api/billing/summary?userId=${owner.id}` }))
    // pod URLs: the sign-in hand-over and the ingress external-auth check, for the owner's private port
    const podPort = async () => {
      const pod = (await server.request('GET', `/api/pods/${podId}`, { token: server.adminToken })).body.data
      return { url: pod.httpServices[0].url as string, host: new URL(pod.httpServices[0].url).host }
    }
    const HANDOVER = { anon: 302, owner: 302, other: 403, admin: 302 }
    add('GET', '/api/proxy/authorize', HANDOVER, async () => ({
      path: `/api/proxy/authorize?target=${encodeURIComponent((await podPort()).url)}`,
    }))
    add('GET', '/api/proxy/signin', HANDOVER, async () => ({
      path: `/api/proxy/signin?rd=${encodeURIComponent((await podPort()).url)}`,
    }))
    add('GET', '/api/proxy/auth', { anon: 401, owner: 200, other: 403, admin: 200 }, async () => ({
      path: '/api/proxy/auth',
      headers: { 'x-forwarded-host': (await podPort()).host },
    }))
    // SSH keys (self-service) and the gateway's public info
    const sshKey = () => ssh2.utils.generateKeyPairSync('ed25519').public
    const ownerSshKey = await server.request('POST', '/api/ssh-keys', {
      token: owner.token,
      body: { publicKey: sshKey(), name: 'matrix' },
    })
    add('GET', '/api/ssh/info', PUBLIC, fixed('/api/ssh/info'))
    add('GET', '/api/ssh-keys', USER, fixed('/api/ssh-keys'))
    add('POST', '/api/ssh-keys', { anon: 401, owner: 201, other: 201, admin: 201 }, () => ({
      path: '/api/ssh-keys',
      body: { publicKey: sshKey() },
    }))
    add('DELETE', '/api/ssh-keys/{id}', { anon: 401, owner: 200, other: 404, admin: 404 }, () => ({
      path: `/api/ssh-keys/${ownerSshKey.body.data.id}`,
    }))
    add(
      'GET',
      '/api/admin/shell-sessions',
      ADMIN,
      fixed(`/api/admin/shell-sessions?podId=${podId}&open=false`),
    )
    // last: it restores the default catalog (and its pod limit)
    add('POST', '/api/pricing/reset', ADMIN, fixed('/api/pricing/reset'))
  })
  afterAll(() => server?.stop())

  it('covers every operation of the OpenAPI document', () => {
    const spec = JSON.parse(
      fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/api/openapi.json'), 'utf8'),
    )
    const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(
      ([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`),
    )
    const tested = new Set(cases.map((c) => `${c.method} ${c.route}`))
    expect(documented.filter((op) => !tested.has(op))).toEqual([])
  })

  for (const role of ['anon', 'other', 'owner', 'admin'] as const) {
    it(`answers as expected for role ${role}`, async () => {
      const failures: string[] = []
      for (const c of cases) {
        let token = tokenOf(role)
        if (c.route === '/api/auth/logout' && role !== 'anon') {
          // sign in afresh so the shared tokens stay valid
          const email = role === 'owner' ? owner.email : role === 'other' ? other.email : 'admin@test.local'
          const password = role === 'admin' ? 'admin-password-123' : 'client-password-1'
          token = (await server.request('POST', '/api/auth/login', { body: { email, password } })).body.token
        }
        if (c.route === '/api/auth/me/password' && role !== 'anon') {
          token = (await server.newClient('pw')).token
        }
        const target = await c.target(role)
        const res = await server.request(c.method, target.path, {
          token,
          body: target.body,
          headers: target.headers,
        })
        if (res.status !== c.expect[role])
          failures.push(
            `${c.method} ${target.path}: expected ${c.expect[role]}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
          )
        if (
          role === 'other' &&
          c.expect.other >= 400 &&
          JSON.stringify(res.body).includes(podId) &&
          !target.path.includes(podId)
        ) {
          failures.push(`${c.method} ${target.path} leaked the owner's pod`)
        }
      }
      expect(failures).toEqual([])
    })
  }

  it('never shows one client the pods of another', async () => {
    const list = await server.request('GET', '/api/pods', { token: other.token })
    expect(list.body.data.map((p: { podId: string }) => p.podId)).not.toContain(podId)
    const asAdminFilter = await server.request(
      'GET',
      `/api/pods?userEmail=${encodeURIComponent(owner.email)}`,
      { token: other.token },
    )
    expect(asAdminFilter.body.data.map((p: { podId: string }) => p.podId)).not.toContain(podId)
    const ledger = await server.request('GET', '/api/billing/ledger', { token: other.token })
    expect(ledger.body.data.every((e: { userId: string }) => e.userId === other.id)).toBe(true)
  })

  it('never shows one client the volumes of another; admins see every volume', async () => {
    const own = await server.request('GET', '/api/volumes', { token: owner.token })
    expect(own.body.count).toBeGreaterThan(0)
    const ownIds = own.body.data.map((v: { volumeId: string }) => v.volumeId)
    const theirs = await server.request('GET', `/api/volumes?userEmail=${encodeURIComponent(owner.email)}`, {
      token: other.token,
    })
    expect(theirs.body.data.some((v: { volumeId: string }) => ownIds.includes(v.volumeId))).toBe(false)
    const all = await server.request('GET', '/api/volumes', { token: server.adminToken })
    const allIds = all.body.data.map((v: { volumeId: string }) => v.volumeId)
    expect(ownIds.every((id: string) => allIds.includes(id))).toBe(true)
    const one = await server.request('GET', `/api/volumes?userEmail=${encodeURIComponent(owner.email)}`, {
      token: server.adminToken,
    })
    expect(one.body.data.map((v: { volumeId: string }) => v.volumeId).sort()).toEqual([...ownIds].sort())
  })
})
