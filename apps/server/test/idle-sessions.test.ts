import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPLICA_TTL_MS } from '../src/shell/shell-sessions.js'
import { createTestServer, eventually, type Json, ManualClock, type TestServer } from './harness.js'

const MIN = 60_000
const ENV = { NEUROPOD_IDLE_INTERVAL_SECONDS: '3600', NEUROPOD_PROXY_ACTIVITY_FLUSH_MS: '50' }

/**
 * The terminal/SSH signal as the platform wires it (ShellSessions across replicas), with an
 * injected clock: this replica's open sessions, other live replicas' open rows, and the orphan
 * rows a crashed replica left behind.
 */
describe('idle: open terminal and SSH sessions (injected clock)', () => {
  const clock = new ManualClock(new Date('2026-04-01T10:00:00.000Z'))
  let server: TestServer
  let client: { token: string; id: string }

  beforeAll(async () => {
    server = await createTestServer({ env: ENV, clock, activitySignals: [] })
    client = await server.newClient('idle-sessions')
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: client.id, amount: 1000, reason: 'idle tests' },
    })
  })
  afterAll(() => server.stop())

  async function podOf(podId: string): Promise<Json> {
    return (await server.request('GET', `/api/pods/${podId}`, { token: server.adminToken })).body.data
  }

  async function runningPod(): Promise<{ id: string; t0: number }> {
    const res = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: `sess-${Math.random().toString(36).slice(2, 8)}`,
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        idleTimeoutMinutes: 30,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const id = res.body.data.pod.podId as string
    const pod = await eventually(async () => {
      const p = await podOf(id)
      return p.status === 'running' ? p : null
    })
    return { id, t0: new Date(pod.startedAt).getTime() }
  }

  const db = () => server.platform.database.db
  const pass = () => server.platform.idleEvaluator.pass()
  const desired = async (podId: string) => (await podOf(podId)).desiredState

  async function sessionRow(podId: string, replicaId: string | null, at: Date): Promise<string> {
    const id = `row-${Math.random().toString(36).slice(2, 10)}`
    await db()
      .insertInto('shell_sessions')
      .values({
        id,
        user_id: client.id,
        pod_id: podId,
        kind: 'ssh',
        detail: 'shell',
        remote_address: null,
        started_at: at,
        ended_at: null,
        replica_id: replicaId,
      })
      .execute()
    return id
  }

  async function heartbeat(replicaId: string, at: Date): Promise<void> {
    await db()
      .insertInto('replicas')
      .values({ id: replicaId, started_at: at, heartbeat_at: at })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: at }))
      .execute()
  }

  it("this replica's open terminal keeps the pod past its deadline; once closed it stops at the deadline", async () => {
    const { id, t0 } = await runningPod()
    clock.set(new Date(t0))
    await pass()
    const shell = await server.platform.shells.start({
      userId: client.id,
      podId: id,
      kind: 'terminal',
      detail: 'shell',
      remoteAddress: null,
      close: () => {},
    })
    clock.set(new Date(t0 + 29 * MIN))
    expect((await pass()).stopped).toBe(0)
    clock.set(new Date(t0 + 45 * MIN)) // 15 min past the deadline it had without the terminal
    expect((await pass()).stopped).toBe(0)
    expect(await desired(id)).toBe('running')
    expect((await podOf(id)).idle.lastActivity).toMatchObject({ source: 'terminal', detail: 'terminal open' })

    await shell.end()
    const last = t0 + 45 * MIN
    clock.set(new Date(last + 29 * MIN))
    expect((await pass()).stopped).toBe(0)
    expect(await desired(id)).toBe('running')
    clock.set(new Date(last + 30 * MIN))
    expect((await pass()).stopped).toBe(1)
    expect(await desired(id)).toBe('stopped')
  })

  it("another live replica's open session keeps a pod running; a dead replica's orphan row does not, and is closed", async () => {
    const live = await runningPod()
    const orphaned = await runningPod()
    const t0 = Math.max(live.t0, orphaned.t0)
    clock.set(new Date(t0))
    await heartbeat('replica-live', clock.now())
    await heartbeat('replica-dead', clock.now())
    await sessionRow(live.id, 'replica-live', clock.now())
    const orphan = await sessionRow(orphaned.id, 'replica-dead', clock.now())
    const legacy = await sessionRow(orphaned.id, null, clock.now())
    await pass()

    // The live replica keeps beating; the dead one went silent at t0 (a crash: its rows stay open).
    for (const minute of [10, 20, 31, 45]) {
      clock.set(new Date(t0 + minute * MIN))
      await heartbeat('replica-live', clock.now())
      await pass()
    }
    expect(await desired(live.id)).toBe('running')
    expect((await podOf(live.id)).idle.lastActivity).toMatchObject({ source: 'terminal' })
    expect(await desired(orphaned.id)).toBe('stopped')
    expect((await podOf(orphaned.id)).idle.lastAutoStop).toBe('idle 30 min')

    const rows = await db()
      .selectFrom('shell_sessions')
      .select(['id', 'ended_at'])
      .where('id', 'in', [orphan, legacy])
      .execute()
    const ended = new Map(rows.map((r) => [r.id, r.ended_at ? new Date(r.ended_at).getTime() : null]))
    expect(ended.get(orphan)).toBe(t0) // at the dead replica's last heartbeat
    expect(ended.get(legacy)).toBe(t0) // no replica recorded: at its start
    const replicas = await db().selectFrom('replicas').select('id').execute()
    expect(replicas.map((r) => r.id)).not.toContain('replica-dead')
    expect(REPLICA_TTL_MS).toBeLessThan(10 * MIN)
  })
})
