import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settle } from '../src/billing/settlement.js'
import {
  createTestServer,
  eventually,
  type Json,
  ManualClock,
  type TestServer,
  waitForEvent,
} from './harness.js'

const HOUR = 3_600_000

/**
 * Metering with a hand-driven clock: a CPU pod with 10 GB container disk (0.05 €/GB/h → 0.50 €/h
 * compute) and a 10 GB volume (0.10 €/GB/h → 1.00 €/h storage).
 */
describe('metered billing', () => {
  let server: TestServer
  const clock = new ManualClock(new Date('2026-03-10T10:00:00.000Z'))

  beforeAll(async () => {
    server = await createTestServer({ clock })
  })
  afterAll(() => server?.stop())

  const db = () => server.platform.database.db

  async function balanceOf(userId: string): Promise<number> {
    const row = await db()
      .selectFrom('users')
      .select('balance')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow()
    return row.balance
  }

  async function ledgerSum(userId: string): Promise<number> {
    const row = await sql<{
      s: number
    }>`select coalesce(sum(amount), 0)::bigint as s from ledger where user_id = ${userId}`.execute(db())
    return Number(row.rows[0]!.s)
  }

  async function runningPod(
    token: string,
    name: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const res = await server.request('POST', '/api/pods', {
      token,
      body: {
        name,
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        containerDiskSize: 10,
        volumeDiskSize: 10,
        ports: [8080],
        ...extra,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const podId = res.body.data.podId as string
    await waitStatus(token, podId, 'running')
    return podId
  }

  async function waitStatus(token: string, podId: string, status: string): Promise<Json> {
    return eventually(async () => {
      const res = await server.request('GET', `/api/pods/${podId}`, { token })
      return res.body.data?.status === status ? res.body.data : null
    })
  }

  it('charges per second while running, storage while stopped, and never twice for the same period', async () => {
    const client = await server.newClient()
    expect(await balanceOf(client.id)).toBe(10_000_000)
    const podId = await runningPod(client.token, 'metered')
    const pod = (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data
    expect(pod.costPerHour).toBe(1.5)
    expect(pod.computeCostPerHour).toBe(0.5)
    expect(pod.storageCostPerHour).toBe(1)

    clock.advance(HOUR)
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBe(8_500_000)
    // The same instant again: nothing more is charged.
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBe(8_500_000)

    // Second by second, the remainders carry: 3600 s of 1.5 €/h is exactly 1.5 €.
    for (let i = 0; i < 30; i++) {
      clock.advance(1000)
      await server.platform.meter.tick()
    }
    clock.advance(HOUR - 30_000)
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBe(7_000_000)

    await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })
    await waitStatus(client.token, podId, 'stopped')
    clock.advance(HOUR)
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBe(6_000_000) // only the volume

    expect(await ledgerSum(client.id)).toBe(await balanceOf(client.id))
    const ledger = await server.request('GET', '/api/billing/ledger?limit=200', { token: client.token })
    expect(ledger.body.data.some((e: Json) => e.type === 'credit' && e.amount === 10)).toBe(true)
    // The pod's compute, and its volume's storage on entries of their own (ADR 0016).
    expect(
      ledger.body.data
        .filter((e: Json) => e.type === 'usage')
        .every(
          (e: Json) =>
            (e.podId === podId || (e.podId === null && e.reason === 'Volume storage')) && e.amount < 0,
        ),
    ).toBe(true)

    const usage = await server.request('GET', '/api/billing/usage?from=2026-03-10&to=2026-03-10', {
      token: client.token,
    })
    expect(usage.body.data.total).toBe(4)
    expect(usage.body.data.byPod[0]).toMatchObject({
      podId,
      podName: 'metered',
      amount: 1,
      computeSeconds: 7200,
    })
    expect(usage.body.data.byVolume).toEqual([
      { volumeId: expect.any(String), volumeName: 'metered', amount: 3, storageSeconds: 3 * 3600 },
    ])

    // Deleting the pod with its volume stops storage billing too.
    await server.request('DELETE', `/api/pods/${podId}?keepVolume=false`, { token: client.token })
    await eventually(
      async () =>
        (await db().selectFrom('pods').select('status').where('id', '=', podId).executeTakeFirst())
          ?.status === 'deleted',
    )
    clock.advance(HOUR)
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBe(6_000_000)
  })

  it('tells the owner their balance as soon as a stop or a delete settles the final usage', async () => {
    const client = await server.newClient()
    const podId = await runningPod(client.token, 'final-usage')
    const socket = await server.socket(client.token)

    clock.advance(HOUR)
    const afterStop = waitForEvent(socket, 'balanceUpdate')
    await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })
    expect(await afterStop).toMatchObject({
      userId: client.id,
      newBalance: 8.5,
      change: -1.5,
      updatedBy: null,
    })
    expect(await balanceOf(client.id)).toBe(8_500_000)

    clock.advance(HOUR) // stopped: only the volume accrues
    const afterDelete = waitForEvent(socket, 'balanceUpdate')
    await server.request('DELETE', `/api/pods/${podId}`, { token: client.token })
    expect(await afterDelete).toMatchObject({ newBalance: 7.5, change: -1 })
    expect(await balanceOf(client.id)).toBe(7_500_000)
  })

  it('loses nothing when a tick crashes before committing', async () => {
    const client = await server.newClient()
    await runningPod(client.token, 'crashy')
    const before = await balanceOf(client.id)
    clock.advance(HOUR)
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await settle(trx, clock.now(), null)
          throw new Error('crash in the middle of the tick')
        }),
    ).rejects.toThrow('crash')
    expect(await balanceOf(client.id)).toBe(before)
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBe(before - 1_500_000)
    expect(await ledgerSum(client.id)).toBe(await balanceOf(client.id))
  })

  it('does not meter administrators', async () => {
    const res = await server.request('POST', '/api/pods', {
      token: server.adminToken,
      body: { name: 'admin-pod', dockerImage: 'busybox:latest', gpu: 'rtx-4050', ports: [8080] },
    })
    expect(res.status).toBe(201)
    expect(res.body.data.pod.metered).toBe(false)
    expect(res.body.data.pod.costPerHour).toBe(0)
    await waitStatus(server.adminToken, res.body.data.podId, 'running')
    const adminId = (await server.request('GET', '/api/auth/me', { token: server.adminToken })).body.data.id
    clock.advance(HOUR)
    await server.platform.meter.tick()
    expect(await balanceOf(adminId)).toBe(0)
    const usage = await db()
      .selectFrom('ledger')
      .select('id')
      .where('user_id', '=', adminId)
      .where('type', '=', 'usage')
      .execute()
    expect(usage).toHaveLength(0)
    const me = await server.request('GET', '/api/auth/me', { token: server.adminToken })
    expect(me.body.data.balance).toBe('Infinity')
  })

  it('requires one hour of balance to start and stops pods at zero, keeping the volume, with alerts', async () => {
    const client = await server.newClient()
    const socket = await server.socket(client.token)
    const podId = await runningPod(client.token, 'drain')
    // 10 € at 1.5 €/h: 6.67 h. Set 2 € → 1.33 h: not low yet (threshold 1 h).
    await server.request('POST', '/api/auth/users/balance', {
      token: server.adminToken,
      body: { userId: client.id, balance: 2, reason: 'test' },
    })
    const low = waitForEvent(socket, 'lowBalanceAlert', (e) => e.level === 'low')
    clock.advance(30 * 60_000) // 0.75 € spent → 1.25 € left, 0.83 h
    await server.platform.meter.tick()
    expect((await low).hoursLeft).toBeLessThan(1)
    const empty = waitForEvent(socket, 'lowBalanceAlert', (e) => e.level === 'empty')
    const stopped = waitForEvent(socket, 'podUpdate', (e) => e.podId === podId && e.status === 'stopped')
    clock.advance(HOUR)
    await server.platform.meter.tick()
    await empty
    const pod = (await stopped).pod
    expect(pod.desiredState).toBe('stopped')
    expect(pod.statusReason).toContain('balance')
    expect(pod.volumeDiskSize).toBe(10) // the pod and its volume remain
    // Storage keeps accruing while the volume exists; compute does not.
    const afterStop = await balanceOf(client.id)
    clock.advance(HOUR)
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBe(afterStop - 1_000_000)

    const start = await server.request('POST', `/api/pods/${podId}/start`, { token: client.token })
    expect(start.status).toBe(402)
    expect(start.body.code).toBe('INSUFFICIENT_BALANCE')
    const summary = await server.request('GET', '/api/billing/summary', { token: client.token })
    expect(summary.body.data).toMatchObject({ burnRatePerHour: 1, runningPods: 0 })
    expect(await ledgerSum(client.id)).toBe(await balanceOf(client.id))
  })

  it('lets exactly one of 50 simultaneous starts pass when the balance covers one hour of one pod', async () => {
    const client = await server.newClient()
    await server.request('PUT', '/api/pricing', {
      token: server.adminToken,
      body: { limits: { podsPerUser: 60 } },
    })
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: client.id, amount: 1000, reason: 'setup' },
    })
    const small = { containerDiskSize: 1, volumeDiskSize: 1 } // 0.05 €/h compute, 0.10 €/h storage
    const ids: string[] = []
    for (let i = 0; i < 50; i++) {
      const res = await server.request('POST', '/api/pods', {
        token: client.token,
        body: { name: `c${i}`, dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080], ...small },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      ids.push(res.body.data.podId)
    }
    for (const id of ids) await server.request('POST', `/api/pods/${id}/stop`, { token: client.token })
    await eventually(async () => {
      const rows = await db().selectFrom('pods').select('status').where('id', 'in', ids).execute()
      return rows.every((r) => r.status === 'stopped')
    }, 30_000)
    // Covers 50 volumes (5 €/h) plus the compute of one pod (0.05 €/h) for one hour.
    await server.request('POST', '/api/auth/users/balance', {
      token: server.adminToken,
      body: { userId: client.id, balance: 5.05, reason: 'race' },
    })
    const results = await Promise.all(
      ids.map((id) => server.request('POST', `/api/pods/${id}/start`, { token: client.token })),
    )
    const codes = results.map((r) => r.status)
    expect(codes.filter((c) => c === 200)).toHaveLength(1)
    expect(codes.filter((c) => c === 402)).toHaveLength(49)
    const wanted = await db()
      .selectFrom('pods')
      .select('id')
      .where('id', 'in', ids)
      .where('desired_state', '=', 'running')
      .execute()
    expect(wanted).toHaveLength(1)
    expect(await ledgerSum(client.id)).toBe(await balanceOf(client.id))
    await server.request('PUT', '/api/pricing', {
      token: server.adminToken,
      body: { limits: { podsPerUser: 5 } },
    })
  }, 120_000)
})
