import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { startServer } from '../src/platform/server.js'
import { CLIENT_ID, ISSUER, startIssuer } from './fakes/google-issuer.js'
import { cloneDatabase, createTestServer, eventually, type TestServer, waitForEvent } from './harness.js'

describe('accounts and sessions', () => {
  let server: TestServer
  let issuer: Awaited<ReturnType<typeof startIssuer>>

  beforeAll(async () => {
    issuer = await startIssuer()
    server = await createTestServer({
      env: {
        GOOGLE_CLIENT_ID: CLIENT_ID,
        NEUROPOD_GOOGLE_ISSUERS: ISSUER,
        NEUROPOD_GOOGLE_JWKS_URL: issuer.url,
        ADMIN_EMAILS: 'boss@test.local',
        NEUROPOD_LOGIN_RATE_LIMIT: '5',
      },
    })
  })
  afterAll(async () => {
    await server?.stop()
    await issuer?.close()
  })

  it('registers, signs in, and returns the user on verify and me', async () => {
    const reg = await server.request('POST', '/api/auth/register', {
      body: { email: 'Ada@Test.local', password: 'correct-horse-1', name: ' Ada ' },
    })
    expect(reg.status).toBe(201)
    expect(reg.body.user).toMatchObject({
      email: 'ada@test.local',
      name: 'Ada',
      role: 'client',
      balance: 10,
      unlimited: false,
      hasPassword: true,
    })
    expect(String(reg.headers['set-cookie'])).toContain('HttpOnly')
    const login = await server.request('POST', '/api/auth/login', {
      body: { email: 'ADA@test.local', password: 'correct-horse-1' },
    })
    expect(login.status).toBe(200)
    const verify = await server.request('GET', '/api/auth/verify', { token: login.body.token })
    expect(verify.body.user.email).toBe('ada@test.local')
    const me = await server.request('GET', '/api/auth/me', { token: login.body.token })
    expect(me.body.data.status).toBe('online')
    // The password is stored as an argon2id hash, never in clear.
    const row = await server.platform.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'ada@test.local')
      .executeTakeFirstOrThrow()
    expect(row.password_hash).toMatch(/^\$argon2id\$/)
  })

  it('rate-limits failed sign-ins', async () => {
    const { email } = await server.newClient()
    for (let i = 0; i < 5; i++) {
      expect(
        (await server.request('POST', '/api/auth/login', { body: { email, password: 'wrong-password' } }))
          .status,
      ).toBe(401)
    }
    const limited = await server.request('POST', '/api/auth/login', {
      body: { email, password: 'client-password-1' },
    })
    expect(limited.status).toBe(429)
    expect(limited.body.code).toBe('RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('revokes a session on logout, for REST and for its open socket', async () => {
    const { email } = await server.newClient()
    const { token } = (
      await server.request('POST', '/api/auth/login', { body: { email, password: 'client-password-1' } })
    ).body
    const socket = await server.socket(token)
    const disconnected = new Promise((r) => socket.once('disconnect', r))
    expect((await server.request('POST', '/api/auth/logout', { token })).status).toBe(200)
    await disconnected
    expect((await server.request('GET', '/api/auth/me', { token })).status).toBe(401)
  })

  it('creates, lists and revokes API keys (shown once, stored hashed)', async () => {
    const client = await server.newClient()
    const created = await server.request('POST', '/api/auth/api-keys', {
      token: client.token,
      body: { name: 'ci' },
    })
    expect(created.status).toBe(201)
    const key = created.body.data.key as string
    expect(key).toMatch(/^npk_/)
    const list = await server.request('GET', '/api/auth/api-keys', { token: client.token })
    expect(JSON.stringify(list.body)).not.toContain(key)
    expect(list.body.data[0]).toMatchObject({ name: 'ci', prefix: key.slice(0, 12) })
    const stored = await server.platform.database.db
      .selectFrom('api_keys')
      .select('key_hash')
      .executeTakeFirstOrThrow()
    expect(stored.key_hash).not.toContain(key)
    expect((await server.request('GET', '/api/pods', { token: key })).status).toBe(200)
    const socket = await server.socket(key)
    const disconnected = new Promise((r) => socket.once('disconnect', r))
    await server.request('DELETE', `/api/auth/api-keys/${created.body.data.id}`, { token: client.token })
    await disconnected
    expect((await server.request('GET', '/api/pods', { token: key })).status).toBe(401)
  })

  it('signs out other sessions when the password changes', async () => {
    const { email } = await server.newClient()
    const a = (
      await server.request('POST', '/api/auth/login', { body: { email, password: 'client-password-1' } })
    ).body.token
    const b = (
      await server.request('POST', '/api/auth/login', { body: { email, password: 'client-password-1' } })
    ).body.token
    const changed = await server.request('POST', '/api/auth/me/password', {
      token: a,
      body: { currentPassword: 'client-password-1', newPassword: 'new-password-22' },
    })
    expect(changed.status).toBe(200)
    expect((await server.request('GET', '/api/auth/me', { token: a })).status).toBe(200)
    expect((await server.request('GET', '/api/auth/me', { token: b })).status).toBe(401)
    expect(
      (await server.request('POST', '/api/auth/login', { body: { email, password: 'new-password-22' } }))
        .status,
    ).toBe(200)
  })

  describe('Google ID tokens', () => {
    it('accepts a valid token, creates the account and promotes ADMIN_EMAILS', async () => {
      const token = await issuer.sign({
        sub: 'g-1',
        email: 'Grace@test.local',
        email_verified: true,
        name: 'Grace H',
        picture: 'https://img.test/g.png',
      })
      const res = await server.request('POST', '/api/auth/google', { body: { token } })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(res.body.user).toMatchObject({
        email: 'grace@test.local',
        name: 'Grace H',
        role: 'client',
        googleLinked: true,
      })
      const boss = await server.request('POST', '/api/auth/google', {
        body: { token: await issuer.sign({ sub: 'g-2', email: 'boss@test.local', email_verified: true }) },
      })
      expect(boss.body.user.role).toBe('admin')
      expect(boss.body.user.balance).toBe('Infinity')
    })

    it('links an existing password account with the same verified address', async () => {
      const client = await server.newClient('link')
      const res = await server.request('POST', '/api/auth/google', {
        body: { token: await issuer.sign({ sub: 'g-link', email: client.email, email_verified: true }) },
      })
      expect(res.body.user.id).toBe(client.id)
      expect(res.body.user.hasPassword).toBe(true)
    })

    it('rejects wrong audience, expiry, unverified e-mail, foreign signatures and unsigned tokens', async () => {
      const claims = { sub: 'g-x', email: 'x@test.local', email_verified: true }
      const bad = [
        await issuer.sign(claims, { audience: 'someone-else' }),
        await issuer.sign(claims, { expiresIn: '-1m' }),
        await issuer.sign({ ...claims, email_verified: false }),
        await issuer.sign(claims, { key: issuer.otherKey }),
        await issuer.sign(claims, { issuer: 'https://evil.test' }),
        // The original trusted the payload of any JWT-shaped string.
        `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`,
      ]
      for (const token of bad) {
        const res = await server.request('POST', '/api/auth/google', { body: { token } })
        expect(res.status, token.slice(0, 40)).toBe(401)
      }
      const count = await server.platform.database.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'x@test.local')
        .execute()
      expect(count).toHaveLength(0)
    })
  })

  it('refuses password sign-up for addresses reserved to admins', async () => {
    const res = await server.request('POST', '/api/auth/register', {
      body: { email: 'boss@test.local', password: 'password-123', name: 'Squatter' },
    })
    expect(res.status).toBe(403)
  })

  it('does not mount the dev login unless NEUROPOD_DEV_LOGIN=true', async () => {
    const res = await server.request('POST', '/api/auth/mock-login', { body: { email: 'boss@test.local' } })
    expect(res.status).toBe(404)
  })
})

describe('instance policies', () => {
  it('restricts sign-up to ALLOWED_EMAILS (addresses or @domains)', async () => {
    const server = await createTestServer({ env: { ALLOWED_EMAILS: 'one@test.local, @school.edu' } })
    try {
      const reg = (email: string) =>
        server.request('POST', '/api/auth/register', { body: { email, password: 'password-123', name: 'N' } })
      expect((await reg('one@test.local')).status).toBe(201)
      expect((await reg('student@school.edu')).status).toBe(201)
      expect((await reg('stranger@test.local')).status).toBe(403)
    } finally {
      await server.stop()
    }
  })

  it('creates the first admin with a generated password, printed once', async () => {
    const { handle, drop } = await cloneDatabase()
    const config = loadConfig({
      NEUROPOD_LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      NEUROPOD_RUNTIME: 'simulated',
      NEUROPOD_ADMIN_EMAIL: 'first@test.local',
    })
    const server = await startServer(config, { database: handle }, false)
    try {
      expect(server.platform.bootstrap).toMatchObject({ adminEmail: 'first@test.local', created: true })
      const password = server.platform.bootstrap.generatedPassword!
      expect(password.length).toBeGreaterThanOrEqual(12)
      const login = await server.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'first@test.local', password },
      })
      expect(login.json().user.role).toBe('admin')
    } finally {
      await server.close()
    }
    await drop()
  })
})

describe('admin user management', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('searches and pages users with pod counts', async () => {
    for (let i = 0; i < 3; i++) await server.newClient('pager')
    const page1 = await server.request('GET', '/api/auth/users?search=pager&limit=2&page=1', {
      token: server.adminToken,
    })
    expect(page1.body).toMatchObject({ success: true, count: 2, total: 3, page: 1, limit: 2 })
    const page2 = await server.request('GET', '/api/auth/users?search=pager&limit=2&page=2', {
      token: server.adminToken,
    })
    expect(page2.body.count).toBe(1)
    expect(page2.body.data[0]).toMatchObject({ activePods: 0, totalPods: 0, role: 'client' })
    // search is a literal substring, not a regular expression
    const regex = await server.request('GET', '/api/auth/users?search=.*', { token: server.adminToken })
    expect(regex.body.total).toBe(0)
  })

  it('sets and credits balances as ledger entries and tells the user live', async () => {
    const client = await server.newClient()
    const socket = await server.socket(client.token)
    const update = waitForEvent(socket, 'balanceUpdate')
    const set = await server.request('POST', '/api/auth/users/balance', {
      token: server.adminToken,
      body: { userId: client.id, balance: 25.5, reason: 'grant' },
    })
    expect(set.body.data.balance).toBe(25.5)
    expect((await update).newBalance).toBe(25.5)
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: client.id, amount: 4.5, reason: 'course credit' },
    })
    const ledger = await server.request('GET', `/api/billing/ledger?userId=${client.id}`, {
      token: server.adminToken,
    })
    const [credit, adjustment] = ledger.body.data
    expect(credit).toMatchObject({
      type: 'credit',
      amount: 4.5,
      balanceAfter: 30,
      reason: 'course credit',
      actorEmail: 'admin@test.local',
    })
    expect(adjustment).toMatchObject({
      type: 'adjustment',
      amount: 15.5,
      balanceAfter: 25.5,
      reason: 'grant',
    })
  })

  it('suspends for real: sessions end, sign-in is refused, pods stop; unsuspend restores sign-in', async () => {
    const client = await server.newClient()
    const pod = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 's', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    const podId = pod.body.data.podId
    const socket = await server.socket(client.token)
    const disconnected = new Promise((r) => socket.once('disconnect', r))
    const res = await server.request('POST', '/api/auth/users/suspend', {
      token: server.adminToken,
      body: { userId: client.id, reason: 'abuse' },
    })
    expect(res.body.data).toMatchObject({ podsStopped: 1, stoppedPods: [podId] })
    await disconnected
    expect((await server.request('GET', '/api/pods', { token: client.token })).status).toBe(401)
    const login = await server.request('POST', '/api/auth/login', {
      body: { email: client.email, password: 'client-password-1' },
    })
    expect(login.status).toBe(403)
    expect(login.body.code).toBe('ACCOUNT_SUSPENDED')
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: server.adminToken })).body.data.status ===
        'stopped',
    )
    await server.request('POST', '/api/auth/users/unsuspend', {
      token: server.adminToken,
      body: { userId: client.id },
    })
    expect(
      (
        await server.request('POST', '/api/auth/login', {
          body: { email: client.email, password: 'client-password-1' },
        })
      ).status,
    ).toBe(200)
  })

  it('deletes a user and their pods through the runtime', async () => {
    const client = await server.newClient()
    const pod = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'd', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    const podId = pod.body.data.podId
    await eventually(async () =>
      (await server.platform.runtime.list()).some((o) => o.podId === podId && o.phase === 'running'),
    )
    const res = await server.request('DELETE', `/api/auth/users/${client.id}`, { token: server.adminToken })
    expect(res.body.data).toMatchObject({ podsDeleted: 1, activePods: 1 })
    await eventually(async () => !(await server.platform.runtime.list()).some((o) => o.podId === podId))
    expect((await server.request('GET', '/api/pods', { token: client.token })).status).toBe(401)
    const listed = await server.request('GET', `/api/auth/users?search=${encodeURIComponent(client.email)}`, {
      token: server.adminToken,
    })
    expect(listed.body.total).toBe(0)
    // The e-mail is free again.
    expect(
      (
        await server.request('POST', '/api/auth/register', {
          body: { email: client.email, password: 'password-123', name: 'Again' },
        })
      ).status,
    ).toBe(201)
  })

  it('promotes and demotes with effect on the next request and on open sockets', async () => {
    const client = await server.newClient()
    expect((await server.request('GET', '/api/pods/admin', { token: client.token })).status).toBe(403)
    const socket = await server.socket(client.token)
    const disconnected = new Promise((r) => socket.once('disconnect', r))
    await server.request('POST', '/api/auth/users/role', {
      token: server.adminToken,
      body: { userId: client.id, role: 'admin' },
    })
    await disconnected
    expect((await server.request('GET', '/api/pods/admin', { token: client.token })).status).toBe(200)
    await server.request('POST', '/api/auth/users/role', {
      token: server.adminToken,
      body: { userId: client.id, role: 'client' },
    })
    expect((await server.request('GET', '/api/pods/admin', { token: client.token })).status).toBe(403)
  })

  it('protects administrators and the caller', async () => {
    const adminId = (await server.request('GET', '/api/auth/me', { token: server.adminToken })).body.data.id
    expect(
      (
        await server.request('POST', '/api/auth/users/suspend', {
          token: server.adminToken,
          body: { userId: adminId },
        })
      ).status,
    ).toBe(400)
    expect(
      (await server.request('DELETE', `/api/auth/users/${adminId}`, { token: server.adminToken })).status,
    ).toBe(400)
    expect(
      (
        await server.request('POST', '/api/auth/users/role', {
          token: server.adminToken,
          body: { userId: adminId, role: 'client' },
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await server.request('POST', '/api/auth/users/balance', {
          token: server.adminToken,
          body: { userId: adminId, balance: 1 },
        })
      ).status,
    ).toBe(400)
  })
})
