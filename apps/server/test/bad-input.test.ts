import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTROL_CHARACTERS, controlCharacterCases } from './control-characters-fuzz.js'
import { createTestServer, type Json, type TestServer } from './harness.js'

/** Bad input gets a clear 4xx with the offending fields, and nothing changes in the database. */
describe('bad input', () => {
  let server: TestServer
  let client: { token: string; id: string; email: string }

  beforeAll(async () => {
    server = await createTestServer()
    client = await server.newClient()
  })
  afterAll(() => server?.stop())

  async function snapshot(): Promise<string> {
    const db = server.platform.database.db
    const counts = await sql<Json>`select
      (select count(*) from users) as users, (select count(*) from pods) as pods, (select count(*) from templates) as templates,
      (select count(*) from ledger) as ledger, (select coalesce(sum(balance), 0) from users) as balances,
      (select count(*) from gpu_types) as gpus, (select json_agg(g order by g.id) from gpu_types g) as gpu_rows,
      (select row_to_json(s) from pricing_settings s) as settings, (select count(*) from api_keys) as keys`.execute(
      db,
    )
    return JSON.stringify(counts.rows[0])
  }

  async function rejects(
    method: string,
    path: string,
    body: unknown,
    status: number,
    fields: string[] = [],
    token: string | null = client.token,
  ) {
    const before = await snapshot()
    const res = await server.request(method, path, { token, body })
    expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBe(status)
    expect(res.body.success).toBe(false)
    expect(typeof res.body.message).toBe('string')
    expect(typeof res.body.code).toBe('string')
    const reported = (res.body.errors ?? []).map((e: { field: string }) => e.field)
    for (const field of fields) expect(reported, JSON.stringify(res.body.errors)).toContain(field)
    expect(await snapshot()).toBe(before)
    return res.body
  }

  const pod = (overrides: Record<string, unknown>) => ({
    name: 'valid-name',
    dockerImage: 'busybox:latest',
    gpu: 'rtx-4050',
    containerDiskSize: 10,
    volumeDiskSize: 10,
    ports: '8080',
    ...overrides,
  })

  it('lists every problem of a pod request in one 400', async () => {
    const body = await rejects(
      'POST',
      '/api/pods',
      pod({
        name: '   ',
        containerDiskSize: 1000,
        volumeDiskSize: 0,
        gpu: 'rtx-9999',
        ports: '8080, 8080, 21, abc',
        env: { '1BAD': 'x', JUPYTER_TOKEN: 'mine' },
      }),
      400,
      [
        'name',
        'containerDiskSize',
        'volumeDiskSize',
        'gpu',
        'ports.1',
        'ports.2',
        'ports.3',
        'env.1BAD',
        'env.JUPYTER_TOKEN',
      ],
    )
    expect(body.code).toBe('VALIDATION_FAILED')
  })

  it('rejects unknown fields, wrong types and unknown references', async () => {
    await rejects('POST', '/api/pods', pod({ bogus: true }), 400, ['bogus'])
    await rejects('POST', '/api/pods', pod({ containerDiskSize: '10' }), 400, ['containerDiskSize'])
    await rejects('POST', '/api/pods', pod({ ports: { 8080: true } }), 400, ['ports'])
    await rejects('POST', '/api/pods', pod({ enableJupyter: 'yes' }), 400, ['enableJupyter'])
    await rejects('POST', '/api/pods', pod({ name: 'bad\u0007name' }), 400, ['name'])
    await rejects('POST', '/api/pods', pod({ name: 'x'.repeat(51) }), 400, ['name'])
    await rejects('POST', '/api/pods', pod({ dockerImage: 'Not An Image!' }), 400, ['dockerImage'])
    await rejects('POST', '/api/pods', pod({ gpu: 'rtx-4090' }), 400, ['gpu']) // in the catalog, but not available
    await rejects('POST', '/api/pods', pod({ gpu: 'cpu', gpuCount: 2 }), 400, ['gpuCount'])
    await rejects('POST', '/api/pods', pod({ gpuCount: 99 }), 400, ['gpuCount'])
    await rejects(
      'POST',
      '/api/pods',
      pod({ deploymentType: 'template', template: 'no-such-template' }),
      400,
      ['template'],
    )
    await rejects('POST', '/api/pods', pod({ ports: [], tcpPorts: [22] }), 400, ['ports'])
    await rejects('POST', '/api/pods', pod({ ports: '8080', tcpPorts: [8080] }), 400, ['tcpPorts.0'])
    await rejects(
      'POST',
      '/api/pods',
      pod({ ports: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => 9000 + i) }),
      400,
      ['ports'],
    )
    await rejects('POST', '/api/pods', pod({ ports: [70000] }), 400, ['ports'])
    await rejects('POST', '/api/pods', pod({ assignToUser: 'someone@test.local' }), 400, ['assignToUser'])
  })

  it('rejects malformed JSON, wrong content types and oversized bodies', async () => {
    const before = await snapshot()
    const malformed = await server.app.inject({
      method: 'POST',
      url: '/api/pods',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
      payload: '{"name": "x",',
    })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().code).toBe('INVALID_JSON')
    const huge = await server.app.inject({
      method: 'POST',
      url: '/api/pods',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(pod({ startCommand: 'x'.repeat(1024 * 1024) })),
    })
    expect(huge.statusCode).toBe(413)
    expect(huge.json().code).toBe('PAYLOAD_TOO_LARGE')
    const xml = await server.app.inject({
      method: 'POST',
      url: '/api/pods',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/xml' },
      payload: '<pod/>',
    })
    expect(xml.statusCode).toBe(415)
    expect(await snapshot()).toBe(before)
  })

  it('answers unknown ids with 404 and malformed ids with a 4xx', async () => {
    await rejects('GET', '/api/pods/0123456789abcdef', undefined, 404)
    await rejects('GET', '/api/pods/not-an-id', undefined, 404)
    await rejects('POST', '/api/pods/0123456789abcdef/start', undefined, 404)
    await rejects('DELETE', '/api/pods/0123456789abcdef', undefined, 404)
    await rejects('GET', '/api/templates/00000000-0000-0000-0000-000000000000', undefined, 404)
    await rejects('GET', '/api/pricing/gpus/nope', undefined, 404)
    await rejects('DELETE', '/api/auth/api-keys/nope', undefined, 404)
    await rejects('DELETE', '/api/auth/users/not-a-uuid', undefined, 400, ['userId'], server.adminToken)
    await rejects(
      'DELETE',
      '/api/auth/users/00000000-0000-4000-8000-000000000000',
      undefined,
      404,
      [],
      server.adminToken,
    )
    await rejects('GET', '/api/nothing-here', undefined, 404)
  })

  it('validates query strings', async () => {
    await rejects('GET', '/api/pods/admin?limit=1000', undefined, 400, ['limit'], server.adminToken)
    await rejects('GET', '/api/pods/admin?page=0', undefined, 400, ['page'], server.adminToken)
    await rejects('GET', '/api/pods/admin?status=bogus', undefined, 400, ['status'], server.adminToken)
    await rejects('GET', '/api/pods/admin?unknown=1', undefined, 400, ['unknown'], server.adminToken)
    await rejects('GET', '/api/billing/usage?from=2026-13-45', undefined, 400, ['from'])
    await rejects('GET', '/api/billing/usage?from=2026-02-01&to=2026-01-01', undefined, 400, ['from'])
  })

  it('validates templates without 500s (duplicate ports, sizes, names)', async () => {
    const t = {
      name: 'bad-template',
      dockerImage: 'busybox:latest',
      httpPorts: [{ port: 8080, serviceName: 'web' }],
    }
    await rejects(
      'POST',
      '/api/templates',
      { ...t, tcpPorts: [{ port: 8080, serviceName: 'dup' }] },
      400,
      ['tcpPorts.0.port'],
      server.adminToken,
    )
    await rejects('POST', '/api/templates', { ...t, httpPorts: [] }, 400, ['httpPorts'], server.adminToken)
    await rejects(
      'POST',
      '/api/templates',
      { ...t, containerDiskSize: 3, volumeDiskSize: 500 },
      400,
      ['containerDiskSize', 'volumeDiskSize'],
      server.adminToken,
    )
    await rejects(
      'POST',
      '/api/templates',
      { ...t, httpPorts: [{ port: 0, serviceName: 'web' }] },
      400,
      ['httpPorts.0.port'],
      server.adminToken,
    )
    await rejects(
      'POST',
      '/api/templates',
      { ...t, volumePath: 'relative/path' },
      400,
      ['volumePath'],
      server.adminToken,
    )
    await rejects('POST', '/api/templates', { ...t, name: 'Jupyter Lab' }, 409, [], server.adminToken) // seeded name
    await rejects(
      'PUT',
      '/api/templates/00000000-0000-0000-0000-000000000000',
      { description: 'x' },
      404,
      [],
      server.adminToken,
    )
    await rejects(
      'PUT',
      '/api/templates/00000000-0000-0000-0000-000000000000',
      {},
      400,
      [],
      server.adminToken,
    )
  })

  it('validates price updates atomically', async () => {
    await rejects(
      'PUT',
      '/api/pricing',
      { gpus: { 'rtx-4050': { price: -1 } } },
      400,
      ['gpus.rtx-4050.price'],
      server.adminToken,
    )
    await rejects(
      'PUT',
      '/api/pricing',
      { gpus: { 'new-gpu': { price: 1 }, 'rtx-4050': { price: 3 } } },
      400,
      ['gpus.new-gpu.name'],
      server.adminToken,
    )
    await rejects(
      'PUT',
      '/api/pricing',
      { gpus: { 'Bad Id!': { name: 'x', price: 1 } } },
      400,
      [],
      server.adminToken,
    )
    await rejects(
      'PUT',
      '/api/pricing',
      { limits: { portsMax: 0 } },
      400,
      ['limits.portsMax'],
      server.adminToken,
    )
    await rejects(
      'PUT',
      '/api/pricing',
      { storage: { containerDisk: { price: '0.1' } } },
      400,
      ['storage.containerDisk.price'],
      server.adminToken,
    )
    await rejects(
      'POST',
      '/api/pricing/calculate-cost',
      { gpu: 'nope', containerDiskSize: 1, volumeDiskSize: 1 },
      400,
      ['gpu'],
    )
  })

  it('validates accounts and balances', async () => {
    await rejects(
      'POST',
      '/api/auth/register',
      { email: 'not-an-email', password: 'password-123', name: 'X' },
      400,
      ['email'],
      null,
    )
    await rejects(
      'POST',
      '/api/auth/register',
      { email: 'short@test.local', password: 'short', name: 'X' },
      400,
      ['password'],
      null,
    )
    await rejects(
      'POST',
      '/api/auth/register',
      { email: client.email, password: 'password-123', name: 'X' },
      409,
      [],
      null,
    )
    await rejects(
      'POST',
      '/api/auth/register',
      { email: 'ctl@test.local', password: 'password-123', name: 'a\u0000b' },
      400,
      ['name'],
      null,
    )
    await rejects(
      'POST',
      '/api/auth/login',
      { email: client.email, password: 'wrong-password' },
      401,
      [],
      null,
    )
    await rejects(
      'POST',
      '/api/auth/users/balance',
      { userId: client.id, balance: 'lots' },
      400,
      ['balance'],
      server.adminToken,
    )
    await rejects(
      'POST',
      '/api/auth/users/credit',
      { userId: client.id, amount: 0, reason: 'nothing' },
      400,
      ['amount'],
      server.adminToken,
    )
    await rejects(
      'POST',
      '/api/auth/users/credit',
      { userId: client.id, amount: 5 },
      400,
      ['reason'],
      server.adminToken,
    )
    await rejects(
      'POST',
      '/api/auth/users/role',
      { userId: client.id, role: 'root' },
      400,
      ['role'],
      server.adminToken,
    )
    await rejects('POST', '/api/auth/api-keys', { name: '' }, 400, ['name'])
  })
})

/**
 * NUL and every other control character in every string of every operation (body fields, nested
 * ones, record values and keys, path and query parameters): a 400 naming the field, never a 5xx.
 */
describe('control characters', () => {
  let server: TestServer

  beforeAll(async () => {
    // Every optional route is registered, so the document lists all of them.
    server = await createTestServer({
      env: { NEUROPOD_DEV_LOGIN: 'true', GOOGLE_CLIENT_ID: 'fuzz-client.apps.googleusercontent.com' },
    })
  })
  afterAll(() => server?.stop())

  it('are rejected with a 400 in every field of every operation, and never answered with a 5xx', async () => {
    const spec = (server.app as unknown as { swagger(): Record<string, unknown> }).swagger()
    const seen = new Set<string>()
    const cases = controlCharacterCases(spec).filter((c) => !seen.has(c.label) && seen.add(c.label))
    const operations = new Set(cases.map((c) => c.label.split(' ').slice(0, 2).join(' ')))
    expect(operations.size).toBeGreaterThan(30)
    const serverErrors: string[] = []
    const notRejected: string[] = []
    for (const c of cases) {
      const res = await server.request(c.method, c.url, { token: server.adminToken, body: c.body })
      if (res.status >= 500) serverErrors.push(`${c.label} → ${res.status}`)
      if (c.allowed) continue
      const errors: { field: string; message: string }[] = res.body?.errors ?? []
      const named = errors.some(
        (e) => /control characters/.test(e.message) && (c.field === undefined || e.field === c.field),
      )
      // (Integer parameters have no field to name: they fail their type, just as much a 400.)
      if (res.status !== 400) notRejected.push(`${c.label} → ${res.status} ${JSON.stringify(res.body)}`)
      else if (c.field !== undefined && !named) notRejected.push(`${c.label} → ${JSON.stringify(errors)}`)
    }
    console.info(
      `control characters: ${cases.length} requests over ${operations.size} operations × ${CONTROL_CHARACTERS.length} characters, ${serverErrors.length} × 5xx`,
    )
    expect(serverErrors).toEqual([])
    expect(notRejected.slice(0, 20)).toEqual([])
  }, 300_000) // thousands of requests: seconds alone, minutes on a loaded machine

  it('says which field holds one, and keeps tab and line breaks where free text allows them', async () => {
    const login = await server.request('POST', '/api/auth/login', {
      token: null,
      body: { email: 'a\u0000b', password: 'whatever-123' },
    })
    expect(login.status).toBe(400)
    expect(login.body.errors).toContainEqual({
      field: 'email',
      message: 'Must not contain control characters',
    })
    const search = await server.request('GET', '/api/auth/users?search=a%00b', { token: server.adminToken })
    expect(search.status).toBe(400)
    expect(search.body.errors).toContainEqual({
      field: 'search',
      message: 'Must not contain control characters',
    })
    const template = {
      name: 'multiline-template',
      dockerImage: 'busybox:latest',
      httpPorts: [{ port: 8080, serviceName: 'web' }],
      description: 'line one\n\tline two\r\n',
      startCommand: 'echo one\necho two',
      env: { GREETING: 'a\nb' },
    }
    const created = await server.request('POST', '/api/templates', {
      token: server.adminToken,
      body: template,
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.template.description).toBe(template.description)
    const bell = await server.request('POST', '/api/templates', {
      token: server.adminToken,
      body: { ...template, name: 'bell-template', description: 'ding\u0007' },
    })
    expect(bell.status).toBe(400)
    expect(bell.body.errors).toContainEqual({
      field: 'description',
      message: 'Must not contain control characters other than tab and line breaks',
    })
  })
})
