import { describe, expect, it } from 'vitest'
import { type ConfigError, loadConfig } from '../src/config.js'
import { SecretBox } from '../src/lib/secrets.js'
import { type AccessDecision, type AccessInput, decideAccess } from '../src/proxy/access.js'
import { neuropodAuthorization, podCookieValues, stripPlatformCookies } from '../src/proxy/credentials.js'
import { downstreamResponseHeaders, upstreamRequestHeaders } from '../src/proxy/forward-headers.js'
import { HandoverCodec, normaliseHost } from '../src/proxy/handover.js'

describe('decideAccess', () => {
  const owner = { userId: 'u-owner', role: 'client' as const }
  const stranger = { userId: 'u-other', role: 'client' as const }
  const admin = { userId: 'u-admin', role: 'admin' as const }
  const allow = (injectJupyterToken: boolean): AccessDecision => ({ outcome: 'allow', injectJupyterToken })

  const cases: [string, Omit<AccessInput, 'ownerId'>, AccessDecision][] = [
    [
      'private, anonymous',
      { access: 'private', jupyter: false, principal: null },
      { outcome: 'authenticate' },
    ],
    ['private, owner', { access: 'private', jupyter: false, principal: owner }, allow(false)],
    ['private, admin', { access: 'private', jupyter: false, principal: admin }, allow(false)],
    [
      'private, other client',
      { access: 'private', jupyter: false, principal: stranger },
      { outcome: 'forbidden' },
    ],
    ['public, anonymous', { access: 'public', jupyter: false, principal: null }, allow(false)],
    ['public, other client', { access: 'public', jupyter: false, principal: stranger }, allow(false)],
    ['private Jupyter, owner', { access: 'private', jupyter: true, principal: owner }, allow(true)],
    ['private Jupyter, admin', { access: 'private', jupyter: true, principal: admin }, allow(true)],
    [
      'private Jupyter, anonymous',
      { access: 'private', jupyter: true, principal: null },
      { outcome: 'authenticate' },
    ],
    [
      'private Jupyter, other',
      { access: 'private', jupyter: true, principal: stranger },
      { outcome: 'forbidden' },
    ],
    ['public Jupyter, owner', { access: 'public', jupyter: true, principal: owner }, allow(true)],
    ['public Jupyter, anonymous', { access: 'public', jupyter: true, principal: null }, allow(false)],
    ['public Jupyter, other client', { access: 'public', jupyter: true, principal: stranger }, allow(false)],
  ]
  it.each(cases)('%s', (_name, input, expected) => {
    expect(decideAccess({ ...input, ownerId: owner.userId })).toEqual(expected)
  })
})

describe('HandoverCodec', () => {
  const box = new SecretBox('unit-test-secret-unit-test-secret-0123456789')
  const codec = new HandoverCodec(box, 60_000)
  const now = 1_800_000_000_000
  const host = 'abcdefghij-8888.pods.example.org'

  it('opens a ticket on its own host within its lifetime', () => {
    const { ticket, claims } = codec.mintTicket(`${host.toUpperCase()}:443`, 'nps_secret', now)
    expect(ticket).not.toContain('nps_secret')
    const opened = codec.openTicket(ticket, `${host}:8443`, now + 59_000)
    expect(opened).toEqual({ ok: true, claims })
    expect(claims).toMatchObject({ host, credential: 'nps_secret', expiresAt: now + 60_000 })
  })

  it('refuses expired, foreign, forged and cross-purpose tickets', () => {
    const { ticket } = codec.mintTicket(host, 'nps_secret', now)
    expect(codec.openTicket(ticket, host, now + 60_000)).toEqual({ ok: false, reason: 'expired' })
    expect(codec.openTicket(ticket, 'zzzzzzzzzz-8888.pods.example.org', now)).toEqual({
      ok: false,
      reason: 'wrong-host',
    })
    const tampered = `${ticket.slice(0, -4)}${ticket.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
    expect(codec.openTicket(tampered, host, now)).toEqual({ ok: false, reason: 'malformed' })
    const otherKey = new HandoverCodec(new SecretBox('another-secret-another-secret-0123456789'), 60_000)
    expect(otherKey.openTicket(ticket, host, now)).toEqual({ ok: false, reason: 'malformed' })
    const cookie = codec.sealCookie(host, 'nps_secret')
    expect(codec.openTicket(cookie, host, now)).toEqual({ ok: false, reason: 'malformed' })
    expect(codec.openCookie(ticket)).toBeNull()
    expect(codec.openTicket('', host, now)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('binds a pod cookie to its host', () => {
    const cookie = codec.sealCookie(host, 'npk_key')
    expect(codec.openCookie(cookie)).toEqual({ host, credential: 'npk_key' })
    expect(codec.openCookie('garbage')).toBeNull()
  })

  it('normalises hosts', () => {
    expect(normaliseHost('ABC-1.Localhost:3000')).toBe('abc-1.localhost')
    expect(normaliseHost('abc-1.localhost')).toBe('abc-1.localhost')
  })
})

describe('credentials', () => {
  it('recognises NeuroPod credentials in Authorization, and nothing else', () => {
    expect(neuropodAuthorization('Bearer nps_abc')).toBe('nps_abc')
    expect(neuropodAuthorization('bearer npk_abc')).toBe('npk_abc')
    expect(neuropodAuthorization('token npk_abc')).toBe('npk_abc')
    expect(neuropodAuthorization('token jupyter-token')).toBeNull()
    expect(neuropodAuthorization('Basic dXNlcjpwYXNz')).toBeNull()
    expect(neuropodAuthorization(undefined)).toBeNull()
  })

  it('strips only the platform cookies', () => {
    expect(stripPlatformCookies('a=1; neuropod_session=x; b=2; neuropod_pod=y; __Host-neuropod_pod=z')).toBe(
      'a=1; b=2',
    )
    expect(stripPlatformCookies('neuropod_session=x')).toBeNull()
    expect(stripPlatformCookies('a=1;b=2')).toBe('a=1;b=2')
    expect(stripPlatformCookies('my_neuropod_pod=1')).toBe('my_neuropod_pod=1')
  })

  it('finds every pod cookie value', () => {
    expect(podCookieValues('neuropod_pod=a; x=1; __Host-neuropod_pod=b')).toEqual(['a', 'b'])
    expect(podCookieValues('x=1')).toEqual([])
  })
})

describe('forwarded headers', () => {
  const raw = [
    'Host',
    'abcdefghij-8080.localhost:3000',
    'Connection',
    'keep-alive',
    'Cookie',
    'neuropod_session=s; app=1',
    'Authorization',
    'Bearer npk_x',
    'X-Forwarded-For',
    '203.0.113.9',
    'X-Forwarded-Proto',
    'https',
    'Expect',
    '100-continue',
    'Accept',
    '*/*',
  ]
  const options = {
    remoteAddress: '10.0.0.5',
    localPort: 3000,
    trustProxy: false,
    jupyterToken: null,
    upgrade: false,
  }
  const asObject = (headers: string[]) => {
    const out: Record<string, string> = {}
    for (let i = 0; i < headers.length; i += 2) out[headers[i]!.toLowerCase()] = headers[i + 1]!
    return out
  }

  it('drops hop-by-hop headers and credentials, and ignores client X-Forwarded-* unless trusted', () => {
    expect(asObject(upstreamRequestHeaders(raw, options))).toEqual({
      host: 'abcdefghij-8080.localhost:3000',
      cookie: 'app=1',
      accept: '*/*',
      'x-forwarded-for': '10.0.0.5',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'abcdefghij-8080.localhost:3000',
      'x-forwarded-port': '3000',
    })
    expect(asObject(upstreamRequestHeaders(raw, { ...options, trustProxy: true }))).toMatchObject({
      'x-forwarded-for': '203.0.113.9, 10.0.0.5',
      'x-forwarded-proto': 'https',
    })
  })

  it('injects the Jupyter token unless the client sent its own Authorization', () => {
    expect(asObject(upstreamRequestHeaders(raw, { ...options, jupyterToken: 'jt' })).authorization).toBe(
      'token jt',
    )
    const own = ['Host', 'h', 'Authorization', 'token mine']
    expect(asObject(upstreamRequestHeaders(own, { ...options, jupyterToken: 'jt' })).authorization).toBe(
      'token mine',
    )
  })

  it('keeps the WebSocket handshake headers for upgrades', () => {
    expect(
      asObject(upstreamRequestHeaders(['Host', 'h', 'Upgrade', 'websocket'], { ...options, upgrade: true })),
    ).toMatchObject({ connection: 'Upgrade', upgrade: 'websocket' })
  })

  it("removes hop-by-hop response headers and the pod's attempts to set platform cookies", () => {
    const response = [
      'Connection',
      'keep-alive',
      'Set-Cookie',
      'neuropod_session=evil; Domain=example.org',
      'Set-Cookie',
      'app=1',
      'Content-Type',
      'text/plain',
    ]
    expect(downstreamResponseHeaders(response)).toEqual(['Set-Cookie', 'app=1', 'Content-Type', 'text/plain'])
  })
})

describe('proxy configuration', () => {
  it('has defaults and validates every variable by name', () => {
    expect(loadConfig({}).proxy).toEqual({
      port: null,
      host: '0.0.0.0',
      ticketTtlSeconds: 60,
      activityFlushMs: 5000,
      connectTimeoutMs: 10_000,
    })
    expect(loadConfig({ NEUROPOD_PROXY_PORT: '3001', HOST: '127.0.0.1' }).proxy).toMatchObject({
      port: 3001,
      host: '127.0.0.1',
    })
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env)
        return []
      } catch (error) {
        return (error as ConfigError).problems
      }
    }
    expect(problems({ NEUROPOD_PROXY_PORT: 'x' })[0]).toMatch(/^NEUROPOD_PROXY_PORT/)
    expect(problems({ PORT: '3000', NEUROPOD_PROXY_PORT: '3000' })[0]).toMatch(
      /NEUROPOD_PROXY_PORT=3000 must differ/,
    )
    expect(problems({ NEUROPOD_PROXY_TICKET_TTL_SECONDS: '0' })[0]).toMatch(
      /^NEUROPOD_PROXY_TICKET_TTL_SECONDS/,
    )
    expect(problems({ NEUROPOD_PROXY_ACTIVITY_FLUSH_MS: '10' })[0]).toMatch(
      /^NEUROPOD_PROXY_ACTIVITY_FLUSH_MS/,
    )
    expect(problems({ NEUROPOD_PROXY_CONNECT_TIMEOUT_MS: 'soon' })[0]).toMatch(
      /^NEUROPOD_PROXY_CONNECT_TIMEOUT_MS/,
    )
  })
})
