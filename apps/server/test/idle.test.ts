import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ActivitySignal } from '../src/idle/activity-signal.js'
import { JupyterSignal } from '../src/idle/signals/jupyter-signal.js'
import { type OpenSessionCounter, SessionsSignal } from '../src/idle/signals/sessions-signal.js'
import { UsageSignal } from '../src/idle/signals/usage-signal.js'
import { unavailableStats } from '../src/runtime/pod-runtime.js'
import { podRequest } from './fakes/pod-client.js'
import {
  cloneDatabase,
  createTestServer,
  eventually,
  type Json,
  ManualClock,
  type TestServer,
  usingPostgres,
  waitForEvent,
} from './harness.js'

const MIN = 60_000
const ENV = { NEUROPOD_IDLE_INTERVAL_SECONDS: '3600', NEUROPOD_PROXY_ACTIVITY_FLUSH_MS: '50' }

interface Client {
  token: string
  id: string
  email: string
}

async function fundedClient(server: TestServer): Promise<Client> {
  const client = await server.newClient('idle')
  const credit = await server.request('POST', '/api/auth/users/credit', {
    token: server.adminToken,
    body: { userId: client.id, amount: 1000, reason: 'idle tests' },
  })
  expect(credit.status).toBe(200)
  return client
}

async function createPod(
  server: TestServer,
  token: string,
  body: Record<string, unknown> = {},
): Promise<Json> {
  const res = await server.request('POST', '/api/pods', {
    token,
    body: {
      name: `idle-${Math.random().toString(36).slice(2, 8)}`,
      dockerImage: 'busybox:latest',
      gpu: 'cpu',
      ports: [8080],
      ...body,
    },
  })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.pod
}

async function podOf(server: TestServer, podId: string): Promise<Json> {
  return (await server.request('GET', `/api/pods/${podId}`, { token: server.adminToken })).body.data
}

async function running(server: TestServer, podId: string): Promise<Json> {
  return eventually(async () => {
    const pod = await podOf(server, podId)
    return pod.status === 'running' ? pod : null
  })
}

async function eventReasons(server: TestServer, podId: string): Promise<Json[]> {
  return (await server.request('GET', `/api/pods/${podId}/events`, { token: server.adminToken })).body.data
}

describe('idle policy', () => {
  let server: TestServer
  let client: Client
  beforeAll(async () => {
    server = await createTestServer({ env: ENV, activitySignals: [] })
    client = await fundedClient(server)
  })
  afterAll(() => server.stop())
  afterEach(async () => {
    await server.request('PUT', '/api/settings/idle', {
      token: server.adminToken,
      body: { defaultTimeoutMinutes: 60, maxTimeoutMinutes: null, allowNever: true, warningLeadMinutes: 10 },
    })
    const pods = (await server.request('GET', '/api/pods', { token: client.token })).body.data as Json[]
    for (const p of pods) await server.request('DELETE', `/api/pods/${p.podId}`, { token: client.token })
  })

  it('gives a new pod the platform default, or the timeout it asks for', async () => {
    const byDefault = await createPod(server, client.token)
    expect(byDefault.idle).toMatchObject({ timeoutMinutes: 60, maxRuntimeMinutes: null, stopAt: null })
    const own = await createPod(server, client.token, { idleTimeoutMinutes: 15, maxRuntimeMinutes: 120 })
    expect(own.idle).toMatchObject({ timeoutMinutes: 15, maxRuntimeMinutes: 120 })
    const never = await createPod(server, client.token, { idleTimeoutMinutes: null })
    expect(never.idle.timeoutMinutes).toBeNull()
  })

  it('takes a template default, capped at the admin maximum', async () => {
    const template = await server.request('POST', '/api/templates', {
      token: server.adminToken,
      body: {
        name: `idle-tpl-${Date.now()}`,
        dockerImage: 'busybox:latest',
        httpPorts: [{ port: 8080, serviceName: 'web' }],
        idleTimeoutMinutes: 240,
      },
    })
    expect(template.status, JSON.stringify(template.body)).toBe(201)
    const templateId = template.body.template.id
    expect(template.body.template.idleTimeoutMinutes).toBe(240)
    const fromTemplate = await createPod(server, client.token, {
      template: templateId,
      dockerImage: undefined,
    })
    expect(fromTemplate.idle.timeoutMinutes).toBe(240)
    await server.request('PUT', '/api/settings/idle', {
      token: server.adminToken,
      body: { maxTimeoutMinutes: 120, defaultTimeoutMinutes: 30 },
    })
    const capped = await createPod(server, client.token, { template: templateId, dockerImage: undefined })
    expect(capped.idle.timeoutMinutes).toBe(120)
  })

  it('refuses "never" where the admin does not allow it, and timeouts above the maximum', async () => {
    const settings = await server.request('PUT', '/api/settings/idle', {
      token: server.adminToken,
      body: { allowNever: false, maxTimeoutMinutes: 90 },
    })
    expect(settings.status).toBe(200)
    expect(settings.body.data).toMatchObject({ allowNever: false, maxTimeoutMinutes: 90 })
    const never = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'never',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        idleTimeoutMinutes: null,
      },
    })
    expect(never.status).toBe(400)
    expect(never.body.errors.map((e: Json) => e.field)).toContain('idleTimeoutMinutes')
    const tooLong = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'long',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        idleTimeoutMinutes: 91,
      },
    })
    expect(tooLong.status).toBe(400)
    const pod = await createPod(server, client.token, { idleTimeoutMinutes: 90 })
    const patch = await server.request('PATCH', `/api/pods/${pod.podId}/auto-stop`, {
      token: client.token,
      body: { idleTimeoutMinutes: null },
    })
    expect(patch.status).toBe(400)
  })

  it('rejects bad input with a 400', async () => {
    const pod = await createPod(server, client.token)
    for (const body of [
      {},
      { idleTimeoutMinutes: 0 },
      { idleTimeoutMinutes: '30' },
      { idleTimeoutMinutes: 1e9 },
      { stopAt: 'tomorrow' },
      { stopAt: '2000-01-01T00:00:00.000Z' },
      { maxRuntimeMinutes: -5 },
      { other: 1 },
    ]) {
      const res = await server.request('PATCH', `/api/pods/${pod.podId}/auto-stop`, {
        token: client.token,
        body,
      })
      expect(res.status, JSON.stringify(body)).toBe(400)
    }
    for (const body of [
      {},
      { defaultTimeoutMinutes: 0 },
      { warningLeadMinutes: -1 },
      { defaultTimeoutMinutes: 500, maxTimeoutMinutes: 100 },
    ]) {
      const res = await server.request('PUT', '/api/settings/idle', { token: server.adminToken, body })
      expect(res.status, JSON.stringify(body)).toBe(400)
    }
    const notFound = await server.request('PATCH', '/api/pods/0000000000000000/auto-stop', {
      token: client.token,
      body: { idleTimeoutMinutes: 5 },
    })
    expect(notFound.status).toBe(404)
  })

  it('changes the policy of a running pod', async () => {
    const pod = await createPod(server, client.token, { idleTimeoutMinutes: 60 })
    await running(server, pod.podId)
    const stopAt = new Date(Date.now() + 3 * 3_600_000).toISOString()
    const res = await server.request('PATCH', `/api/pods/${pod.podId}/auto-stop`, {
      token: client.token,
      body: { idleTimeoutMinutes: 20, maxRuntimeMinutes: 600, stopAt },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data.idle).toMatchObject({ timeoutMinutes: 20, maxRuntimeMinutes: 600, stopAt })
    expect(res.body.data.idle.idleDeadline).not.toBeNull()
  })
})

/** Open sessions as the session gateway would report them (a stand-in for that system). */
class SessionCounts implements OpenSessionCounter {
  readonly open = new Map<string, number>()
  async openSessions(podIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(podIds.filter((id) => this.open.has(id)).map((id) => [id, this.open.get(id)!]))
  }
}

describe('idle evaluation (injected clock)', () => {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00.000Z'))
  const sessions = new SessionCounts()
  /** Jupyter servers as the pods' /api/kernels and /api/status would answer (a stand-in for Jupyter) */
  const jupyter = new Map<string, { busy: boolean; lastActivity: string }>()
  const cpu = new Map<string, number>()
  let server: TestServer
  let client: Client

  const jupyterFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const token = new Headers(init?.headers).get('authorization')
    const entry = [...jupyter.entries()].find(([, v]) => token !== null && v !== undefined)?.[1]
    const pod = await tokenOwner(token)
    const state = pod ? jupyter.get(pod) : entry && undefined
    if (!state) return new Response('forbidden', { status: 403 })
    const path = new URL(String(url)).pathname
    if (path === '/api/kernels')
      return Response.json([
        { id: 'k1', execution_state: state.busy ? 'busy' : 'idle', last_activity: state.lastActivity },
      ])
    return Response.json({ last_activity: state.lastActivity, kernels: 1, connections: 0 })
  }) as typeof fetch
  const tokens = new Map<string, string>()
  async function tokenOwner(header: string | null): Promise<string | null> {
    for (const [podId, token] of tokens) if (header === `token ${token}`) return podId
    return null
  }

  beforeAll(async () => {
    const signals: ActivitySignal[] = []
    server = await createTestServer({ env: ENV, clock, activitySignals: signals })
    signals.push(
      new SessionsSignal(sessions),
      new JupyterSignal(server.platform.runtime, jupyterFetch),
      new UsageSignal(
        {
          stats: async (podId) =>
            cpu.has(podId)
              ? { ...unavailableStats(''), available: true, reason: null, cpuUsage: cpu.get(podId)! }
              : unavailableStats('not measured'),
        },
        { cpuPercent: 10, gpuPercent: 10 },
      ),
    )
    client = await fundedClient(server)
    await server.request('PUT', '/api/pricing', {
      token: server.adminToken,
      body: { limits: { podsPerUser: 50 } },
    })
  })
  afterAll(() => server.stop())

  async function sealedToken(podId: string): Promise<string> {
    const row = await server.platform.database.db
      .selectFrom('pods')
      .select('jupyter_token_sealed')
      .where('id', '=', podId)
      .executeTakeFirstOrThrow()
    return server.platform.secrets.open(row.jupyter_token_sealed!)
  }

  it('warns before the deadline (once), stops at it with the reason, and Start undoes it', async () => {
    const socket = await server.socket(client.token)
    const pod = await createPod(server, client.token, { idleTimeoutMinutes: 30 })
    const started = await running(server, pod.podId)
    const t0 = new Date(started.startedAt).getTime()
    await server.platform.idleEvaluator.pass()
    expect((await podOf(server, pod.podId)).idle.idleDeadline).toBe(new Date(t0 + 30 * MIN).toISOString())

    clock.set(new Date(t0 + 19 * MIN))
    expect((await server.platform.idleEvaluator.pass()).warned).toBe(0)
    clock.set(new Date(t0 + 21 * MIN))
    const warning = waitForEvent(socket, 'podIdleWarning', (e) => e.podId === pod.podId)
    expect((await server.platform.idleEvaluator.pass()).warned).toBe(1)
    const event = await warning
    expect(event).toMatchObject({
      minutesLeft: 9,
      extendMinutes: 30,
      deadline: new Date(t0 + 30 * MIN).toISOString(),
    })
    expect((await server.platform.idleEvaluator.pass()).warned).toBe(0)

    clock.set(new Date(t0 + 30 * MIN))
    const result = await server.platform.idleEvaluator.pass()
    expect(result.stopped).toBe(1)
    const stopped = await eventually(async () => {
      const p = await podOf(server, pod.podId)
      return p.status === 'stopped' ? p : null
    })
    expect(stopped.idle.lastAutoStop).toBe('idle 30 min')
    const events = await eventReasons(server, pod.podId)
    expect(events.filter((e) => e.reason === 'AutoStopped').map((e) => e.message)).toEqual([
      'Stopped automatically: idle 30 min; the volume is kept (Start undoes it)',
    ])
    const notes = (await server.request('GET', '/api/notifications', { token: client.token })).body
      .data as Json[]
    expect(notes.filter((n) => n.podId === pod.podId).map((n) => n.kind)).toEqual([
      'autoStopped',
      'idleWarning',
    ])
    expect((await server.platform.idleEvaluator.pass()).stopped).toBe(0)

    // Start undoes it: the deadline counts again from the new start.
    expect(
      (await server.request('POST', `/api/pods/${pod.podId}/start`, { token: client.token })).status,
    ).toBe(200)
    const again = await running(server, pod.podId)
    expect(again.idle.lastAutoStop).toBeNull()
    await server.platform.idleEvaluator.pass()
    const t1 = new Date((await podOf(server, pod.podId)).startedAt).getTime()
    expect((await podOf(server, pod.podId)).idle.idleDeadline).toBe(new Date(t1 + 30 * MIN).toISOString())
  })

  it('Keep running moves the deadline by one timeout', async () => {
    const pod = await createPod(server, client.token, { idleTimeoutMinutes: 20 })
    const started = await running(server, pod.podId)
    const t0 = new Date(started.startedAt).getTime()
    await server.platform.idleEvaluator.pass()
    clock.set(new Date(t0 + 15 * MIN))
    expect((await server.platform.idleEvaluator.pass()).warned).toBe(1)
    const res = await server.request('POST', `/api/pods/${pod.podId}/extend`, { token: client.token })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data).toMatchObject({
      idleDeadline: new Date(t0 + 40 * MIN).toISOString(),
      extendedByMinutes: 20,
    })
    clock.set(new Date(t0 + 21 * MIN))
    expect((await server.platform.idleEvaluator.pass()).stopped).toBe(0)
    expect((await podOf(server, pod.podId)).status).toBe('running')
    // A new deadline gets its own warning, then the stop.
    clock.set(new Date(t0 + 31 * MIN))
    expect((await server.platform.idleEvaluator.pass()).warned).toBe(1)
    clock.set(new Date(t0 + 40 * MIN))
    expect((await server.platform.idleEvaluator.pass()).stopped).toBe(1)
    // Nothing to extend once it is stopping (409), and another user may not extend it (403).
    expect(
      (await server.request('POST', `/api/pods/${pod.podId}/extend`, { token: client.token })).status,
    ).toBe(409)
  })

  it('each signal alone keeps a pod running; with none it stops at the deadline', {
    timeout: 120_000,
  }, async () => {
    const make = async (body: Record<string, unknown> = {}) =>
      (await createPod(server, client.token, { idleTimeoutMinutes: 30, ...body })).podId as string
    const quiet = await make()
    const terminal = await make()
    const kernel = await make({ enableJupyter: true })
    const notebook = await make({ enableJupyter: true })
    const busyCpu = await make()
    const http = await make()
    const all = [quiet, terminal, kernel, notebook, busyCpu, http]
    const starts = await Promise.all(
      all.map(async (id) => new Date((await running(server, id)).startedAt).getTime()),
    )
    const t0 = Math.max(...starts)
    tokens.set(kernel, await sealedToken(kernel))
    tokens.set(notebook, await sealedToken(notebook))
    jupyter.set(kernel, { busy: false, lastActivity: new Date(t0).toISOString() })
    jupyter.set(notebook, { busy: false, lastActivity: new Date(t0).toISOString() })
    await server.platform.idleEvaluator.pass()

    clock.set(new Date(t0 + 25 * MIN))
    sessions.open.set(terminal, 1)
    jupyter.set(kernel, { busy: true, lastActivity: new Date(t0).toISOString() })
    jupyter.set(notebook, { busy: false, lastActivity: new Date(t0 + 24 * MIN).toISOString() })
    cpu.set(busyCpu, 87)
    // HTTP through the pod URL (made public so the test needs no sign-in)
    const httpPod = await podOf(server, http)
    await server.request('PATCH', `/api/pods/${http}/ports/8080`, {
      token: client.token,
      body: { access: 'public' },
    })
    const res = await podRequest(server.url, `${httpPod.slug}-8080.localhost`, '/')
    expect(res.status).toBeLessThan(500)
    await eventually(async () => (await podOf(server, http)).lastActive !== null)
    await server.platform.idleEvaluator.pass()
    sessions.open.delete(terminal)
    jupyter.set(kernel, { busy: false, lastActivity: new Date(t0).toISOString() })
    cpu.delete(busyCpu)

    clock.set(new Date(t0 + 31 * MIN))
    const result = await server.platform.idleEvaluator.pass()
    expect(result.stopped).toBe(1)
    const views = new Map(await Promise.all(all.map(async (id) => [id, await podOf(server, id)] as const)))
    expect(views.get(quiet)!.desiredState).toBe('stopped')
    for (const id of [terminal, kernel, notebook, busyCpu, http])
      expect(views.get(id)!.desiredState).toBe('running')
    expect(views.get(terminal)!.idle.lastActivity).toMatchObject({
      source: 'terminal',
      detail: 'terminal open',
    })
    expect(views.get(kernel)!.idle.lastActivity).toMatchObject({ source: 'kernel', detail: 'kernel running' })
    expect(views.get(notebook)!.idle.lastActivity).toMatchObject({
      source: 'jupyter',
      at: new Date(t0 + 24 * MIN).toISOString(),
    })
    expect(views.get(busyCpu)!.idle.lastActivity).toMatchObject({ source: 'cpu', detail: 'CPU 87 %' })
    expect(views.get(http)!.idle.lastActivity).toMatchObject({ source: 'http' })
    expect(views.get(http)!.idle.idleDeadline).toBe(new Date(t0 + 55 * MIN).toISOString())

    // Once the signals are gone, each stops at its own deadline.
    clock.set(new Date(t0 + 56 * MIN))
    expect((await server.platform.idleEvaluator.pass()).stopped).toBe(5)
  })

  it('stops at the maximum runtime and at the stop time', async () => {
    const capped = await createPod(server, client.token, { idleTimeoutMinutes: null, maxRuntimeMinutes: 90 })
    const scheduledAt = new Date(clock.now().getTime() + 45 * MIN).toISOString()
    const scheduled = await createPod(server, client.token, { idleTimeoutMinutes: null, stopAt: scheduledAt })
    const t0 = new Date((await running(server, capped.podId)).startedAt).getTime()
    await running(server, scheduled.podId)
    sessions.open.set(capped.podId, 1)
    sessions.open.set(scheduled.podId, 1)
    clock.set(new Date(t0 + 46 * MIN))
    expect((await server.platform.idleEvaluator.pass()).stopped).toBe(1)
    expect((await podOf(server, scheduled.podId)).idle.lastAutoStop).toBe('scheduled')
    expect((await podOf(server, scheduled.podId)).idle.stopAt).toBeNull()
    clock.set(new Date(t0 + 91 * MIN))
    expect((await server.platform.idleEvaluator.pass()).stopped).toBe(1)
    expect((await podOf(server, capped.podId)).idle.lastAutoStop).toBe('max runtime')
    sessions.open.clear()
  })
})

describe('the balance stop', () => {
  it('records "balance" as the reason when the meter stops pods at zero', { timeout: 120_000 }, async () => {
    const server = await createTestServer({ env: ENV, activitySignals: [] })
    try {
      const client = await fundedClient(server)
      const pod = await createPod(server, client.token)
      await running(server, pod.podId)
      await server.platform.database.db
        .updateTable('users')
        .set({ balance: 0 })
        .where('id', '=', client.id)
        .execute()
      expect(await server.platform.meter.evaluateBalances([client.id])).toBe(1)
      const stopped = await eventually(async () => {
        const p = await podOf(server, pod.podId)
        return p.status === 'stopped' && p.idle.lastAutoStop === 'balance' ? p : null
      })
      expect(stopped.desiredState).toBe('stopped')
      const events = await eventReasons(server, pod.podId)
      expect(events.some((e) => e.reason === 'AutoStopped' && e.message.includes('balance'))).toBe(true)
      const notes = (await server.request('GET', '/api/notifications', { token: client.token })).body
        .data as Json[]
      expect(notes.map((n) => n.message)).toContain(`"${pod.podName}" was stopped automatically: balance`)
    } finally {
      await server.stop()
    }
  })
})

describe('idle deadlines across restarts and replicas', () => {
  it('keeps the deadline through a control-plane restart', { timeout: 120_000 }, async () => {
    const clock = new ManualClock(new Date('2026-04-01T08:00:00.000Z'))
    const { handle, drop } = await cloneDatabase()
    const first = await createTestServer({
      env: ENV,
      clock,
      activitySignals: [],
      database: { ...handle, close: async () => {} },
    })
    let second: TestServer | null = null
    try {
      const client = await fundedClient(first)
      const pod = await createPod(first, client.token, { idleTimeoutMinutes: 30 })
      const t0 = new Date((await running(first, pod.podId)).startedAt).getTime()
      await first.platform.idleEvaluator.pass()
      clock.set(new Date(t0 + 10 * MIN))
      const extended = await first.request('POST', `/api/pods/${pod.podId}/extend`, { token: client.token })
      expect(extended.body.data.idleDeadline).toBe(new Date(t0 + 60 * MIN).toISOString())
      await first.stop()

      second = await createTestServer({ env: ENV, clock, activitySignals: [], database: handle })
      await running(second, pod.podId)
      clock.set(new Date(t0 + 45 * MIN))
      expect((await second.platform.idleEvaluator.pass()).stopped).toBe(0)
      expect((await podOf(second, pod.podId)).idle.idleDeadline).toBe(new Date(t0 + 60 * MIN).toISOString())
      clock.set(new Date(t0 + 60 * MIN))
      expect((await second.platform.idleEvaluator.pass()).stopped).toBe(1)
    } finally {
      await second?.stop()
      await drop()
    }
  })

  it.skipIf(!usingPostgres())(
    'two replicas evaluating at once stop a pod once (PostgreSQL)',
    { timeout: 120_000 },
    async () => {
      const clock = new ManualClock(new Date('2026-05-01T08:00:00.000Z'))
      const a = await createTestServer({ env: ENV, clock, activitySignals: [] })
      const b = await createTestServer({
        env: ENV,
        clock,
        activitySignals: [],
        database: a.platform.database,
      })
      try {
        const client = await fundedClient(a)
        await a.request('PUT', '/api/pricing', { token: a.adminToken, body: { limits: { podsPerUser: 50 } } })
        const pods = await Promise.all(
          Array.from({ length: 5 }, () => createPod(a, client.token, { idleTimeoutMinutes: 20 })),
        )
        const starts = await Promise.all(
          pods.map(async (p) => new Date((await running(a, p.podId)).startedAt).getTime()),
        )
        expect((await a.platform.idleEvaluator.pass()).warned).toBe(0)
        clock.set(new Date(Math.max(...starts) + 15 * MIN))
        const warned = await Promise.all([a.platform.idleEvaluator.pass(), b.platform.idleEvaluator.pass()])
        expect(warned[0].warned + warned[1].warned).toBe(5)
        clock.set(new Date(Math.max(...starts) + 21 * MIN))
        const [ra, rb] = await Promise.all([a.platform.idleEvaluator.pass(), b.platform.idleEvaluator.pass()])
        expect(ra.stopped + rb.stopped).toBe(5)
        const { db } = a.platform.database
        const events = await db
          .selectFrom('pod_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('reason', '=', 'AutoStopped')
          .where(
            'pod_id',
            'in',
            pods.map((p) => p.podId),
          )
          .executeTakeFirstOrThrow()
        expect(Number(events.n)).toBe(5)
        const notes = (await a.request('GET', '/api/notifications', { token: client.token })).body
          .data as Json[]
        expect(notes.filter((n) => n.kind === 'autoStopped')).toHaveLength(5)
        expect(notes.filter((n) => n.kind === 'idleWarning')).toHaveLength(5)
      } finally {
        await b.stop()
        await a.stop()
      }
    },
  )
})
