import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, type Json, ManualClock, type TestServer } from './harness.js'

const HOUR = 3_600_000

/**
 * Issue 11: a balance negative for NEUROPOD_VOLUME_RISK_AFTER_HOURS (2 h here) puts the owner's
 * volumes at risk: admins see them, the owner is warned once per negative episode, nothing is deleted.
 */
describe('volumes at risk', () => {
  let server: TestServer
  const t0 = new Date('2026-05-01T08:00:00.000Z')
  const clock = new ManualClock(t0)

  beforeAll(async () => {
    server = await createTestServer({ clock, env: { NEUROPOD_VOLUME_RISK_AFTER_HOURS: '2' } })
  })
  afterAll(() => server?.stop())

  const atRisk = async (): Promise<Json[]> => {
    const res = await server.request('GET', '/api/admin/volumes/at-risk', { token: server.adminToken })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.data
  }
  const warnings = async (token: string): Promise<Json[]> => {
    const res = await server.request('GET', '/api/notifications', { token })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.data.filter((n: Json) => n.kind === 'volumesAtRisk')
  }
  const setBalance = (userId: string, balance: number) =>
    server.request('POST', '/api/auth/users/balance', { token: server.adminToken, body: { userId, balance } })

  it('lists a negative owner only after the threshold, warns once per episode, and a credit clears it', async () => {
    const owner = await server.newClient('risky')
    const bystander = await server.newClient('fine')
    expect((await setBalance(owner.id, 10)).status).toBe(200)
    const created = await server.request('POST', '/api/volumes', {
      token: owner.token,
      body: { name: 'thesis', size: 1 },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const volumeId = created.body.data.volumeId
    expect((await setBalance(owner.id, -3)).status).toBe(200) // negative since t0

    clock.set(new Date(t0.getTime() + HOUR))
    await server.platform.meter.tick()
    expect((await atRisk()).filter((r) => r.volume.userId === owner.id)).toEqual([])
    expect(await warnings(owner.token)).toEqual([])

    clock.set(new Date(t0.getTime() + 2 * HOUR + 1000))
    await server.platform.meter.tick()
    const listed = (await atRisk()).filter((r) => r.volume.userId === owner.id)
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({
      volume: { volumeId, name: 'thesis', sizeGb: 1, userEmail: owner.email, costPerHour: 0.1 },
      negativeSince: t0.toISOString(),
    })
    expect(listed[0].balance).toBeLessThan(-3)
    const first = await warnings(owner.token)
    expect(first).toHaveLength(1)
    expect(first[0].message).toMatch(/volumes are kept.*compute is stopped.*Add credit/)
    expect(await warnings(bystander.token)).toEqual([])

    clock.set(new Date(t0.getTime() + 3 * HOUR))
    await server.platform.meter.tick()
    expect(await warnings(owner.token)).toHaveLength(1) // once per episode

    const credit = await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: owner.id, amount: 10, reason: 'topped up' },
    })
    expect(credit.status, JSON.stringify(credit.body)).toBe(200)
    expect((await atRisk()).filter((r) => r.volume.userId === owner.id)).toEqual([])

    // A new episode starts at its own time and warns again.
    clock.set(new Date(t0.getTime() + 4 * HOUR))
    expect((await setBalance(owner.id, -1)).status).toBe(200)
    clock.set(new Date(t0.getTime() + 5 * HOUR))
    await server.platform.meter.tick()
    expect((await atRisk()).filter((r) => r.volume.userId === owner.id)).toEqual([])
    clock.set(new Date(t0.getTime() + 6 * HOUR + 1000))
    await server.platform.meter.tick()
    const again = (await atRisk()).filter((r) => r.volume.userId === owner.id)
    expect(again.map((r) => r.negativeSince)).toEqual([new Date(t0.getTime() + 4 * HOUR).toISOString()])
    expect(await warnings(owner.token)).toHaveLength(2)

    // Nothing was deleted.
    const kept = await server.request('GET', `/api/volumes/${volumeId}`, { token: owner.token })
    expect(kept.status).toBe(200)
    expect(kept.body.data.status).toBe('ready')
  })
})
