import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type Json, ManualClock, type TestServer } from './harness.js'

const HOUR = 3_600_000

/**
 * Volumes as the user's own resource (ADR 0016) on the simulated runtime with a hand-driven clock:
 * the API, attaching at deploy, keeping a volume through a pod's delete, and the money.
 * Volume price: 0.10 €/GB/h (100,000 µ€ per GB-hour).
 */
describe('volumes', () => {
  let server: TestServer
  const clock = new ManualClock(new Date('2026-04-01T08:00:00.000Z'))
  const db = () => server.platform.database.db

  beforeAll(async () => {
    server = await createTestServer({ clock })
  })
  afterAll(() => server?.stop())

  async function balanceOf(userId: string): Promise<number> {
    const row = await db()
      .selectFrom('users')
      .select('balance')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow()
    return row.balance
  }

  async function waitStatus(token: string, podId: string, status: string): Promise<Json> {
    return eventually(async () => {
      const res = await server.request('GET', `/api/pods/${podId}`, { token })
      return res.body.data?.status === status ? res.body.data : null
    })
  }

  async function removed(podId: string): Promise<void> {
    await eventually(
      async () =>
        (await db().selectFrom('pods').select('status').where('id', '=', podId).executeTakeFirst())
          ?.status === 'deleted',
    )
  }

  it('creates, lists, renames, grows and deletes a volume, refusing bad input with clear 400s', async () => {
    const client = await server.newClient()
    const created = await server.request('POST', '/api/volumes', {
      token: client.token,
      body: { name: 'datasets', size: 5 },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const volume = created.body.data
    expect(volume).toMatchObject({
      name: 'datasets',
      sizeGb: 5,
      mountPath: '/workspace',
      status: 'ready',
      runtime: 'simulated',
      usedBytes: null,
      usageNote: 'Not measured (the simulation stores nothing)',
      resize: 'recorded',
      attachedPod: null,
      costPerHour: 0.5,
      metered: true,
    })
    const list = await server.request('GET', '/api/volumes', { token: client.token })
    expect(list.body.data.map((v: Json) => v.volumeId)).toEqual([volume.volumeId])

    const bad = await Promise.all([
      server.request('POST', '/api/volumes', { token: client.token, body: { name: 'datasets', size: 5 } }),
      server.request('POST', '/api/volumes', { token: client.token, body: { name: 'zero', size: 0 } }),
      server.request('POST', '/api/volumes', { token: client.token, body: { name: 'huge', size: 100_000 } }),
      server.request('POST', '/api/volumes', { token: client.token, body: { name: ' ', size: 1 } }),
      server.request('POST', '/api/volumes', {
        token: client.token,
        body: { name: 'root', size: 1, mountPath: '/' },
      }),
      server.request('POST', '/api/volumes', { token: client.token, body: { name: 'x', size: 1, extra: 1 } }),
      server.request('PATCH', `/api/volumes/${volume.volumeId}`, { token: client.token, body: { size: 4 } }),
      server.request('GET', '/api/volumes/not-a-volume', { token: client.token }),
    ])
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 404])
    expect(bad[0]!.body.errors).toEqual([
      { field: 'name', message: 'You already have a volume named "datasets"' },
    ])
    expect(bad[6]!.body.errors).toEqual([{ field: 'size', message: 'Volumes only grow: it has 5 GB' }])

    const grown = await server.request('PATCH', `/api/volumes/${volume.volumeId}`, {
      token: client.token,
      body: { name: 'training-data', size: 8 },
    })
    expect(grown.status, JSON.stringify(grown.body)).toBe(200)
    expect(grown.body.data).toMatchObject({
      name: 'training-data',
      sizeGb: 8,
      costPerHour: 0.8,
      resize: 'recorded',
    })

    const deleted = await server.request('DELETE', `/api/volumes/${volume.volumeId}`, { token: client.token })
    expect(deleted.status).toBe(200)
    expect(
      (await server.request('GET', `/api/volumes/${volume.volumeId}`, { token: client.token })).status,
    ).toBe(404)
    expect((await server.request('GET', '/api/volumes', { token: client.token })).body.data).toEqual([])
  })

  it('attaches a volume at deploy, refuses a second pod and its deletion while attached, and keeps it through the pod delete for a pod of another GPU type', async () => {
    const client = await server.newClient()
    const vol = (
      await server.request('POST', '/api/volumes', { token: client.token, body: { name: 'work', size: 3 } })
    ).body.data
    const first = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'on-cpu',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        volumeId: vol.volumeId,
      },
    })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    const podId = first.body.data.podId
    expect(first.body.data.pod).toMatchObject({
      volumeId: vol.volumeId,
      volumeDiskSize: 3,
      volumePath: '/workspace',
    })
    await waitStatus(client.token, podId, 'running')
    const attached = await server.request('GET', `/api/volumes/${vol.volumeId}`, { token: client.token })
    expect(attached.body.data.attachedPod).toMatchObject({ podId, podName: 'on-cpu' })

    const second = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'again',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        volumeId: vol.volumeId,
      },
    })
    expect(second.status).toBe(409)
    expect(second.body.message).toContain('"on-cpu"')
    const refused = await server.request('DELETE', `/api/volumes/${vol.volumeId}`, { token: client.token })
    expect(refused.status).toBe(409)
    expect(refused.body.message).toContain('"on-cpu"')
    const someoneElse = await server.newClient()
    const stolen = await server.request('POST', '/api/pods', {
      token: someoneElse.token,
      body: {
        name: 'thief',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        volumeId: vol.volumeId,
      },
    })
    expect(stolen.status).toBe(400)
    expect(stolen.body.errors).toEqual([
      { field: 'volumeId', message: "No such volume among the owner's volumes" },
    ])

    // Delete keeps the volume by default.
    expect((await server.request('DELETE', `/api/pods/${podId}`, { token: client.token })).status).toBe(200)
    await removed(podId)
    const kept = await server.request('GET', `/api/volumes/${vol.volumeId}`, { token: client.token })
    expect(kept.body.data).toMatchObject({ status: 'ready', attachedPod: null })

    const gpuPod = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'on-gpu',
        dockerImage: 'busybox:latest',
        gpu: 'rtx-4050',
        ports: [8080],
        volumeId: vol.volumeId,
        mountPath: '/data',
      },
    })
    expect(gpuPod.status, JSON.stringify(gpuPod.body)).toBe(201)
    expect(gpuPod.body.data.pod).toMatchObject({
      volumeId: vol.volumeId,
      volumePath: '/data',
      gpu: 'rtx-4050',
    })
    const gpuPodId = gpuPod.body.data.podId
    await waitStatus(client.token, gpuPodId, 'running')

    // keepVolume=false takes the volume with the pod.
    await server.request('DELETE', `/api/pods/${gpuPodId}?keepVolume=false`, { token: client.token })
    await removed(gpuPodId)
    expect(
      (await server.request('GET', `/api/volumes/${vol.volumeId}`, { token: client.token })).status,
    ).toBe(404)
    const badFlag = await server.request('DELETE', `/api/pods/${gpuPodId}?keepVolume=maybe`, {
      token: client.token,
    })
    expect(badFlag.status).toBe(400)
  })

  it("gives a pod deployed without volumeId a new volume of its size, listed as the user's", async () => {
    const client = await server.newClient()
    const res = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'fresh', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080], volumeDiskSize: 7 },
    })
    expect(res.status).toBe(201)
    const list = await server.request('GET', '/api/volumes', { token: client.token })
    expect(list.body.data).toEqual([
      expect.objectContaining({
        volumeId: res.body.data.pod.volumeId,
        name: 'fresh',
        sizeGb: 7,
        attachedPod: expect.objectContaining({ podId: res.body.data.podId }),
      }),
    ])
  })

  it('meters a volume per second over a stop, start and delete of its pod: size × price × seconds exactly', async () => {
    const client = await server.newClient()
    const vol = (
      await server.request('POST', '/api/volumes', {
        token: client.token,
        body: { name: 'metered', size: 7 },
      })
    ).body.data
    const volumeCharges = async () => {
      const row = await sql<{ s: number }>`
        select coalesce(sum(amount), 0)::bigint as s from volume_usage_daily where volume_id = ${vol.volumeId}`.execute(
        db(),
      )
      return Number(row.rows[0]!.s)
    }
    let seconds = 0
    const advance = (ms: number) => {
      clock.advance(ms)
      seconds += ms / 1000
    }
    // 7 GB × 100,000 µ€/GB-h = 700,000 µ€/h; odd second counts exercise the carried remainders.
    advance(1_337_000)
    const pod = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'user',
        dockerImage: 'busybox:latest',
        gpu: 'cpu',
        ports: [8080],
        volumeId: vol.volumeId,
      },
    })
    const podId = pod.body.data.podId
    await waitStatus(client.token, podId, 'running')
    advance(7_001_000)
    await server.platform.meter.tick()
    await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })
    await waitStatus(client.token, podId, 'stopped')
    advance(HOUR + 13_000)
    await server.platform.meter.tick()
    await server.request('POST', `/api/pods/${podId}/start`, { token: client.token })
    await waitStatus(client.token, podId, 'running')
    advance(999_000)
    await server.request('DELETE', `/api/pods/${podId}`, { token: client.token })
    await removed(podId)
    advance(2 * HOUR + 1000)
    await server.platform.meter.tick()
    const deleted = await server.request('DELETE', `/api/volumes/${vol.volumeId}`, { token: client.token })
    expect(deleted.status).toBe(200)
    advance(HOUR)
    await server.platform.meter.tick()

    // 700,000 µ€/h over the seconds the volume existed (the last hour came after its delete); the
    // sub-micro-euro remainder of the last settlement is all that is not charged.
    const activeSeconds = seconds - 3600
    expect(activeSeconds).toBe(1337 + 7001 + 3613 + 999 + 7201)
    expect(await volumeCharges()).toBe(Math.floor((7 * 100_000 * activeSeconds) / 3600))
    const ledger = await sql<{ s: number }>`
      select coalesce(sum(amount), 0)::bigint as s from ledger where user_id = ${client.id}`.execute(db())
    expect(Number(ledger.rows[0]!.s)).toBe(await balanceOf(client.id))
  })

  it('keeps volumes when the balance runs out, never deleting them', async () => {
    const client = await server.newClient()
    const vol = (
      await server.request('POST', '/api/volumes', {
        token: client.token,
        body: { name: 'keep-me', size: 10 },
      })
    ).body.data
    // 10 € at 1 €/h of storage: gone after 10 h, and then some.
    clock.advance(30 * HOUR)
    await server.platform.meter.tick()
    expect(await balanceOf(client.id)).toBeLessThan(0)
    const still = await server.request('GET', `/api/volumes/${vol.volumeId}`, { token: client.token })
    expect(still.body.data.status).toBe('ready')
  })
})
