import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLIENT_ID, ISSUER, startIssuer } from './fakes/google-issuer.js'
import { createTestServer, type Json, ManualClock, type TestServer } from './harness.js'

const ATTACKER = '203.0.113.7'
const OWNER = '198.51.100.20'
const PROXY = '10.0.0.2'

/** Failed passwords slow down their source, never the account (ADR 0014). */
describe('sign-in throttling', () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>
  let server: TestServer
  let proxied: TestServer
  const clock = new ManualClock()
  beforeAll(async () => {
    issuer = await startIssuer()
    const env = {
      GOOGLE_CLIENT_ID: CLIENT_ID,
      NEUROPOD_GOOGLE_ISSUERS: ISSUER,
      NEUROPOD_GOOGLE_JWKS_URL: issuer.url,
      NEUROPOD_LOGIN_RATE_LIMIT: '3', // 3 per (address, account), 30 per address
      NEUROPOD_LOGIN_RATE_WINDOW_SECONDS: '900',
    }
    ;[server, proxied] = await Promise.all([
      createTestServer({ clock, env }),
      createTestServer({ env: { ...env, NEUROPOD_TRUST_PROXY: 'true' } }),
    ])
  }, 180_000)
  afterAll(async () => {
    await server?.stop()
    await proxied?.stop()
    await issuer?.close()
  })

  async function login(
    server: TestServer,
    from: string,
    body: { email: string; password: string },
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Json; retryAfter: number }> {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: from,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    })
    return { status: res.statusCode, body: res.json(), retryAfter: Number(res.headers['retry-after'] ?? 0) }
  }

  const LONG = 180_000 // every attempt is an argon2 verification, slow on a loaded machine

  it(
    "an attacker's failures from one address never keep the owner out from another",
    async () => {
      const owner = await server.newClient('owner')
      const wrong = { email: owner.email, password: 'not-the-password' }
      const right = { email: owner.email, password: 'client-password-1' }
      for (let i = 0; i < 3; i++) expect((await login(server, ATTACKER, wrong)).status).toBe(401)
      // The attacker's address is slowed down, even with the right password…
      const limited = await login(server, ATTACKER, right)
      expect(limited.status).toBe(429)
      expect(limited.body.code).toBe('RATE_LIMITED')
      expect(limited.retryAfter).toBeGreaterThan(0)
      // …while the owner, elsewhere, mistypes once and then signs in: nothing is locked.
      expect((await login(server, OWNER, wrong)).status).toBe(401)
      const signedIn = await login(server, OWNER, right)
      expect(signedIn.status).toBe(200)
      // The owner's other ways in are untouched: an API key, and Google even from the attacker's address.
      const key = await server.request('POST', '/api/auth/api-keys', {
        token: signedIn.body.token,
        body: { name: 'laptop' },
      })
      expect(key.status).toBe(201)
      expect((await server.request('GET', '/api/auth/me', { token: key.body.data.key })).status).toBe(200)
      const google = await server.app.inject({
        method: 'POST',
        url: '/api/auth/google',
        remoteAddress: ATTACKER,
        payload: { token: await issuer.sign({ sub: 'g-owner', email: owner.email, email_verified: true }) },
      })
      expect(google.statusCode, google.body).toBe(200)
    },
    LONG,
  )

  it(
    'slows a source down progressively, and lets it try again once the wait is over',
    async () => {
      const from = '203.0.113.8'
      const victim = await server.newClient('victim')
      const wrong = { email: victim.email, password: 'not-the-password' }
      for (let i = 0; i < 3; i++) expect((await login(server, from, wrong)).status).toBe(401)
      const waits: number[] = []
      for (let i = 0; i < 4; i++) {
        const blocked = await login(server, from, wrong)
        expect(blocked.status).toBe(429)
        waits.push(blocked.retryAfter)
        clock.advance(blocked.retryAfter * 1000)
        expect((await login(server, from, wrong)).status).toBe(401) // waited: one more guess
      }
      expect(waits).toEqual([1, 2, 4, 8])
      // After a quiet period the source starts afresh.
      clock.advance(900_000)
      expect((await login(server, from, { ...wrong, password: 'client-password-1' })).status).toBe(200)
    },
    LONG,
  )

  it(
    'limits one source spraying many accounts, without touching other sources',
    async () => {
      const from = '203.0.113.9'
      const owner = await server.newClient('sprayed')
      for (let i = 0; i < 30; i++) {
        const res = await login(server, from, { email: `nobody-${i}@test.local`, password: 'guess-123' })
        expect(res.status).toBe(401)
      }
      expect((await login(server, from, { email: 'another@test.local', password: 'x' })).status).toBe(429)
      expect((await login(server, OWNER, { email: owner.email, password: 'client-password-1' })).status).toBe(
        200,
      )
    },
    LONG,
  )

  it(
    'treats an IPv6 /64 as one source',
    async () => {
      const victim = await server.newClient('v6')
      const wrong = { email: victim.email, password: 'not-the-password' }
      for (let i = 1; i <= 3; i++) expect((await login(server, `2001:db8:1:2::${i}`, wrong)).status).toBe(401)
      expect((await login(server, '2001:db8:1:2:ffff::9', wrong)).status).toBe(429)
      expect((await login(server, '2001:db8:1:3::1', wrong)).status).toBe(401)
    },
    LONG,
  )

  it(
    'behind a trusted proxy counts the address the proxy saw, and ignores the header otherwise',
    async () => {
      for (const target of [proxied, server]) {
        const owner = await target.newClient('proxied')
        const wrong = { email: owner.email, password: 'not-the-password' }
        const right = { email: owner.email, password: 'client-password-1' }
        // The client forges an entry; the proxy appends the address it really saw.
        const via = (from: string) => ({ 'x-forwarded-for': `1.2.3.4, ${from}` })
        for (let i = 0; i < 3; i++)
          expect((await login(target, PROXY, wrong, via(ATTACKER))).status).toBe(401)
        const owners = await login(target, PROXY, right, via(OWNER))
        const attackers = await login(target, PROXY, right, via(ATTACKER))
        if (target === proxied) {
          expect(owners.status).toBe(200) // another client behind the same proxy
          expect(attackers.status).toBe(429)
        } else {
          // Not trusted: every request is the proxy's own, whatever the header says.
          expect(owners.status).toBe(429)
          expect(attackers.status).toBe(429)
        }
      }
    },
    LONG,
  )
})
