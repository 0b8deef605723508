import { describe, expect, it } from 'vitest'
import { systemClock } from '../src/lib/clock.js'
import { Housekeeping } from '../src/platform/housekeeping.js'
import type { RuntimeHealth } from '../src/runtime/pod-runtime.js'
import { SimulatedRuntime } from '../src/runtime/simulated/simulated-runtime.js'
import { cloneDatabase, createTestServer, eventually, type Json, ManualClock } from './harness.js'

/** An engine that takes its time to answer health checks (a busy Docker daemon, say). */
class SlowHealthRuntime extends SimulatedRuntime {
  healthCalls = 0
  override async health(): Promise<RuntimeHealth> {
    this.healthCalls++
    await new Promise((r) => setTimeout(r, 400))
    return super.health()
  }
}

describe('server lifecycle', () => {
  it('reports real checks in /api/status, scoped to the caller', async () => {
    const server = await createTestServer()
    try {
      const client = await server.newClient()
      await server.request('POST', '/api/pods', {
        token: client.token,
        body: { name: 'a', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
      })
      await server.request('POST', '/api/pods', {
        token: server.adminToken,
        body: { name: 'b', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
      })
      const mine = (await server.request('GET', '/api/status', { token: client.token })).body.data
      expect(mine.pods).toMatchObject({ scope: 'own', total: 1 })
      expect(mine.database.status).toBe('ok')
      expect(mine.database.latencyMs).toBeGreaterThanOrEqual(0)
      expect(mine.runtime).toMatchObject({
        kind: 'simulated',
        simulated: true,
        status: 'ok',
        version: 'simulation',
      })
      const all = (await server.request('GET', '/api/status', { token: server.adminToken })).body.data
      expect(all.pods).toMatchObject({ scope: 'all', total: 2 })
      expect(all.system.leader).toBe(true)
      const pub = (await server.request('GET', '/api/status/public')).body
      expect(pub.runtime).toEqual({ kind: 'simulated', simulated: true })
    } finally {
      await server.stop()
    }
  })

  it('finishes requests in flight and closes sockets on shutdown', async () => {
    const runtime = new SlowHealthRuntime({
      createDelayMs: 10,
      startDelayMs: 10,
      clock: systemClock,
      gpus: null,
    })
    const server = await createTestServer({ runtime })
    const client = await server.newClient()
    const socket = await server.socket(client.token)
    const disconnected = new Promise((r) => socket.once('disconnect', r))
    const callsBefore = runtime.healthCalls
    const inFlight = fetch(`${server.url}/api/status`, {
      headers: { authorization: `Bearer ${client.token}` },
    })
    // Shut down once the request is inside the server (waiting for the engine), not before.
    await eventually(async () => runtime.healthCalls > callsBefore, 10_000, 5)
    const closing = server.stop()
    const res = await inFlight
    expect(res.status).toBe(200)
    expect(((await res.json()) as Json).data.runtime.status).toBe('ok')
    await disconnected
    await closing
    expect(server.platform.reconciler.isActive).toBe(false)
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow()
  })

  it('converges after a restart: transitional pods are driven again, nothing stays stuck', async () => {
    const { handle, drop } = await cloneDatabase()
    // The first "process" dies without closing the database; the second opens it again.
    const first = await createTestServer({
      database: { ...handle, close: async () => {} },
      env: { NEUROPOD_SIM_CREATE_DELAY_MS: '50', NEUROPOD_SIM_START_DELAY_MS: '50' },
    })
    const client = await first.newClient()
    await first.request('POST', '/api/auth/users/credit', {
      token: first.adminToken,
      body: { userId: client.id, amount: 100, reason: 't' },
    })
    const make = async (name: string) =>
      (
        await first.request('POST', '/api/pods', {
          token: client.token,
          body: { name, dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
        })
      ).body.data.podId as string
    const running = await make('running')
    const toStop = await make('to-stop')
    const toDelete = await make('to-delete')
    await eventually(async () => {
      const pods = (await first.request('GET', '/api/pods', { token: client.token })).body.data as Json[]
      return pods.every((p) => p.status === 'running')
    })
    await first.request('POST', `/api/pods/${toStop}/stop`, { token: client.token })
    await first.request('DELETE', `/api/pods/${toDelete}`, { token: client.token })
    const creating = await make('creating')
    // Crash: the reconciler may be in the middle of any of these.
    await first.stop()

    const second = await createTestServer({ database: handle })
    try {
      const token = (
        await second.request('POST', '/api/auth/login', {
          body: { email: client.email, password: 'client-password-1' },
        })
      ).body.token
      await eventually(async () => {
        const pods = (await second.request('GET', '/api/pods', { token })).body.data as Json[]
        const byId = new Map(pods.map((p) => [p.podId, p.status]))
        return (
          byId.get(running) === 'running' &&
          byId.get(creating) === 'running' &&
          byId.get(toStop) === 'stopped' &&
          !byId.has(toDelete)
        )
      }, 15_000)
      const stuck = await second.platform.database.db
        .selectFrom('pods')
        .select(['id', 'status'])
        .where('status', 'in', ['pending', 'creating', 'stopping', 'deleting'])
        .execute()
      expect(stuck).toEqual([])
      const live = (await second.platform.runtime.list()).map((o) => o.podId).sort()
      expect(live).toEqual([running, creating].sort())
    } finally {
      await second.stop()
      await drop()
    }
  })
})

describe('housekeeping', () => {
  it('forgets sessions that ended more than 30 days ago, and only those', async () => {
    const clock = new ManualClock(new Date('2026-05-01T00:00:00Z'))
    const server = await createTestServer({ clock })
    try {
      const client = await server.newClient()
      await server.request('POST', '/api/auth/logout', { token: client.token })
      const fresh = await server.newClient()
      const sweep = () => new Housekeeping(server.platform.database.db, clock, server.platform.log).sweep()
      expect((await sweep()).sessions).toBe(0)
      clock.advance(31 * 86_400_000)
      expect((await sweep()).sessions).toBe(1)
      const left = await server.platform.database.db.selectFrom('sessions').select('user_id').execute()
      expect(left.map((s) => s.user_id)).toContain(fresh.id)
    } finally {
      await server.stop()
    }
  })
})
