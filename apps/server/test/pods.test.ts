import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SimulatedRuntime } from '../src/runtime/simulated/simulated-runtime.js'
import { createTestServer, eventually, type Json, type TestServer, waitForEvent } from './harness.js'

describe('pods on the simulated runtime', () => {
  let server: TestServer
  let client: { token: string; id: string; email: string }

  beforeAll(async () => {
    server = await createTestServer()
    client = await server.newClient()
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: client.id, amount: 500, reason: 'tests' },
    })
  })
  afterAll(() => server?.stop())

  const get = async (podId: string, token = client.token) =>
    (await server.request('GET', `/api/pods/${podId}`, { token })).body.data
  const until = (podId: string, status: string, token = client.token) =>
    eventually(async () => {
      const pod = await get(podId, token)
      return pod?.status === status ? pod : null
    })

  it('creates from a template, goes pending → creating → running with events, then stops and starts with the same URLs', async () => {
    const templates = (await server.request('GET', '/api/templates', { token: client.token })).body as Json[]
    const jupyter = templates.find((t) => t.name === 'Jupyter Lab')
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'notebook', deploymentType: 'template', template: jupyter.id, gpu: 'rtx-4050' },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const pod = created.body.data.pod
    expect(pod).toMatchObject({
      status: 'pending',
      desiredState: 'running',
      dockerImage: 'jupyter/minimal-notebook:latest',
      volumePath: '/home/jovyan/work',
      enableJupyter: true,
      templateName: 'Jupyter Lab',
      costPerHour: 2.5 + 10 * 0.05 + 20 * 0.1,
    })
    expect(pod.httpServices[0]).toMatchObject({
      port: 8888,
      serviceName: 'Jupyter Lab',
      jupyter: true,
      access: 'private',
    })
    expect(pod.httpServices[0].url).toBe(
      `http://${pod.slug}-8888.localhost:${new URL(server.config.publicUrl).port}/`,
    )
    // The generated Jupyter token is stored sealed and never shown.
    expect(JSON.stringify(created.body)).not.toMatch(/token/i)
    const row = await server.platform.database.db
      .selectFrom('pods')
      .select('jupyter_token_sealed')
      .where('id', '=', pod.podId)
      .executeTakeFirstOrThrow()
    expect(row.jupyter_token_sealed).toMatch(/^v1\./)

    const running = await until(pod.podId, 'running')
    expect(running.httpServices[0].status).toBe('ready')
    expect(running.startedAt).not.toBeNull()
    const events = (await server.request('GET', `/api/pods/${pod.podId}/events`, { token: client.token }))
      .body.data as Json[]
    const reasons = events.map((e) => e.reason)
    expect(reasons).toEqual(expect.arrayContaining(['Created', 'Scheduled', 'Pulling', 'Started', 'Ready']))
    expect(events.find((e) => e.reason === 'Pulling').message).toMatch(/simulat/i)
    expect(events.at(-1).progress).toBe(100)

    const logs = (await server.request('GET', `/api/pods/${pod.podId}/logs?tail=50`, { token: client.token }))
      .body.data
    expect(logs.available).toBe(true)
    expect(logs.logs).toMatch(/simulation/i)
    const stats = (await server.request('GET', `/api/pods/${pod.podId}/stats`, { token: client.token })).body
      .data
    expect(stats).toMatchObject({ available: false, cpuUsage: null })
    expect(stats.reason).toMatch(/simulated/i)

    expect(
      (await server.request('POST', `/api/pods/${pod.podId}/stop`, { token: client.token })).status,
    ).toBe(200)
    const stopped = await until(pod.podId, 'stopped')
    expect(stopped.httpServices[0].status).toBe('stopped')
    // Stop is idempotent.
    expect(
      (await server.request('POST', `/api/pods/${pod.podId}/stop`, { token: client.token })).status,
    ).toBe(200)
    expect(
      (await server.request('GET', `/api/pods/${pod.podId}/logs`, { token: client.token })).body.data
        .available,
    ).toBe(false)

    expect(
      (await server.request('POST', `/api/pods/${pod.podId}/start`, { token: client.token })).status,
    ).toBe(200)
    const restarted = await until(pod.podId, 'running')
    expect(restarted.slug).toBe(pod.slug)
    expect(restarted.httpServices[0].url).toBe(pod.httpServices[0].url)

    expect((await server.request('DELETE', `/api/pods/${pod.podId}`, { token: client.token })).status).toBe(
      200,
    )
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${pod.podId}`, { token: client.token })).status === 404,
    )
    expect(await server.platform.runtime.list()).not.toContainEqual(
      expect.objectContaining({ podId: pod.podId }),
    )
    // Delete is idempotent (as documented): a second delete of a deleted pod answers the same success.
    expect((await server.request('DELETE', `/api/pods/${pod.podId}`, { token: client.token })).status).toBe(
      200,
    )
  })

  it('accepts the original comma-separated ports and names custom services', async () => {
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'legacy',
        deploymentType: 'docker',
        dockerImage: 'ubuntu:22.04',
        gpu: 'rtx-4050',
        containerDiskSize: 20,
        volumeDiskSize: 50,
        ports: '8888, 7860',
        enableJupyter: true,
        tcpPorts: [22],
      },
    })
    expect(created.status).toBe(201)
    const { httpServices, tcpServices } = created.body.data.pod
    expect(httpServices.map((s: Json) => [s.port, s.serviceName, s.isCustom])).toEqual([
      [8888, 'Jupyter Lab', false],
      [7860, 'Service 2', true],
    ])
    expect(tcpServices[0]).toMatchObject({ port: 22, serviceName: 'SSH' })
    await server.request('DELETE', `/api/pods/${created.body.data.podId}`, { token: client.token })
  })

  it('refuses duplicate names per owner and enforces the per-user pod limit', async () => {
    const fresh = await server.newClient()
    const body = (name: string) => ({
      name,
      dockerImage: 'busybox:latest',
      gpu: 'cpu',
      containerDiskSize: 1,
      volumeDiskSize: 1,
      ports: [8080],
    })
    expect(
      (await server.request('POST', '/api/pods', { token: fresh.token, body: body('same') })).status,
    ).toBe(201)
    const dup = await server.request('POST', '/api/pods', { token: fresh.token, body: body('SAME') })
    expect(dup.status).toBe(400)
    expect(dup.body.errors[0].field).toBe('name')
    // Another user may use the same name.
    expect(
      (await server.request('POST', '/api/pods', { token: client.token, body: body('same') })).status,
    ).toBe(201)
    for (let i = 0; i < 4; i++)
      expect(
        (await server.request('POST', '/api/pods', { token: fresh.token, body: body(`n${i}`) })).status,
      ).toBe(201)
    const over = await server.request('POST', '/api/pods', { token: fresh.token, body: body('sixth') })
    expect(over.status).toBe(409)
    expect(over.body.code).toBe('POD_LIMIT_REACHED')
  })

  it('lets admins assign pods to clients, list every pod with filters and pages, and act on any pod', async () => {
    const target = await server.newClient('assignee')
    const created = await server.request('POST', '/api/pods', {
      token: server.adminToken,
      body: {
        name: 'assigned',
        dockerImage: 'busybox:latest',
        gpu: 'rtx-4050',
        ports: [8080],
        assignToUser: target.email,
      },
    })
    expect(created.status).toBe(201)
    expect(created.body.data.pod.userId).toBe(target.id)
    expect(created.body.data.pod.metered).toBe(true) // the client pays
    const theirs = await server.request('GET', '/api/pods', { token: target.token })
    expect(theirs.body.data.map((p: Json) => p.podId)).toContain(created.body.data.podId)
    const byEmail = await server.request('GET', `/api/pods?userEmail=${encodeURIComponent(target.email)}`, {
      token: server.adminToken,
    })
    expect(byEmail.body.count).toBe(1)

    const filtered = await server.request('GET', `/api/pods/admin?userEmail=assignee&gpu=rtx-4050&limit=1`, {
      token: server.adminToken,
    })
    expect(filtered.body).toMatchObject({ count: 1, total: 1, page: 1, limit: 1 })
    expect(filtered.body.data[0].userEmail).toBe(target.email)
    const all = await server.request('GET', '/api/pods/admin?limit=2&page=1', { token: server.adminToken })
    expect(all.body.count).toBe(2)
    expect(all.body.total).toBeGreaterThan(2)

    await until(created.body.data.podId, 'running', server.adminToken)
    expect(
      (
        await server.request('POST', `/api/pods/${created.body.data.podId}/stop`, {
          token: server.adminToken,
        })
      ).status,
    ).toBe(200)
    await until(created.body.data.podId, 'stopped', target.token)
  })

  it('changes per-port access (private by default)', async () => {
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'share', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080, 9090] },
    })
    const podId = created.body.data.podId
    const res = await server.request('PATCH', `/api/pods/${podId}/ports/9090`, {
      token: client.token,
      body: { access: 'public' },
    })
    expect(res.body.data.httpServices.map((s: Json) => [s.port, s.access])).toEqual([
      [8080, 'private'],
      [9090, 'public'],
    ])
    expect(
      (
        await server.request('PATCH', `/api/pods/${podId}/ports/1234`, {
          token: client.token,
          body: { access: 'public' },
        })
      ).status,
    ).toBe(404)
  })

  it('records a container that exits on its own as an error with its exit code, and pushes it live', async () => {
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'crash', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    const podId = created.body.data.podId
    await until(podId, 'running')
    const socket = await server.socket(client.token)
    socket.emit('subscribe', { podId })
    await waitForEvent(socket, 'subscribed')
    const failed = waitForEvent(socket, 'podUpdate', (e) => e.podId === podId && e.status === 'error')
    ;(server.platform.runtime as SimulatedRuntime).simulateExit(podId, 137, 'OOMKilled')
    const update = await failed
    expect(update.pod).toMatchObject({ exitCode: 137, desiredState: 'running' })
    expect(update.pod.statusReason).toContain('137')
    expect(update.pod.statusReason).toContain('OOMKilled')
    // Compute billing stopped with the container; a start brings it back.
    expect((await server.request('POST', `/api/pods/${podId}/start`, { token: client.token })).status).toBe(
      200,
    )
    await until(podId, 'running')
  })

  it('places GPU pods on the configured inventory and makes the next one wait for a free device', async () => {
    const gpuServer = await createTestServer({ env: { NEUROPOD_GPUS: 'gpu0:rtx-4050' } })
    try {
      const body = (name: string) => ({ name, dockerImage: 'busybox:latest', gpu: 'rtx-4050', ports: [8080] })
      const first = (
        await gpuServer.request('POST', '/api/pods', { token: gpuServer.adminToken, body: body('first') })
      ).body.data.podId
      const second = (
        await gpuServer.request('POST', '/api/pods', { token: gpuServer.adminToken, body: body('second') })
      ).body.data.podId
      const wait = async (id: string, status: string) =>
        eventually(async () => {
          const p = (await gpuServer.request('GET', `/api/pods/${id}`, { token: gpuServer.adminToken })).body
            .data
          return p.status === status ? p : null
        })
      await wait(first, 'running')
      const waiting = await wait(second, 'pending')
      expect(waiting.statusReason).toMatch(/Waiting for a free RTX 4050 \(queued: position 1\): 0 of 1 free/)
      await gpuServer.request('POST', `/api/pods/${first}/stop`, { token: gpuServer.adminToken })
      await wait(second, 'running')
      const allocations = await gpuServer.platform.database.db
        .selectFrom('gpu_allocations')
        .selectAll()
        .execute()
      expect(allocations.map((a) => [a.device_id, a.pod_id])).toEqual([['gpu0', second]])
    } finally {
      await gpuServer.stop()
    }
  })

  it('queues GPU pods oldest first across users, with their positions, and a start joins at the back', async () => {
    const gpuServer = await createTestServer({ env: { NEUROPOD_GPUS: 'gpu0:rtx-4050,gpu1:rtx-4050' } })
    try {
      const alice = await gpuServer.newClient('alice')
      const bob = await gpuServer.newClient('bob')
      for (const c of [alice, bob])
        await gpuServer.request('POST', '/api/auth/users/credit', {
          token: gpuServer.adminToken,
          body: { userId: c.id, amount: 1000, reason: 'queue test' },
        })
      const deploy = async (token: string, name: string) =>
        (
          await gpuServer.request('POST', '/api/pods', {
            token,
            body: { name, dockerImage: 'busybox:latest', gpu: 'rtx-4050', ports: [8080] },
          })
        ).body.data.podId as string
      const get = async (token: string, id: string) =>
        (await gpuServer.request('GET', `/api/pods/${id}`, { token })).body.data
      const wait = (
        token: string,
        id: string,
        check: (pod: { status: string; statusReason: string | null }) => boolean,
      ) =>
        eventually(async () => {
          const pod = await get(token, id)
          return check(pod) ? pod : null
        })
      const queued = (position: number) => (pod: { status: string; statusReason: string | null }) =>
        pod.status === 'pending' && (pod.statusReason ?? '').includes(`position ${position})`)
      const running = (pod: { status: string }) => pod.status === 'running'

      const a1 = await deploy(alice.token, 'a1')
      await wait(alice.token, a1, running)
      const b1 = await deploy(bob.token, 'b1')
      await wait(bob.token, b1, running)
      const a2 = await deploy(alice.token, 'a2')
      await wait(alice.token, a2, queued(1))
      const b2 = await deploy(bob.token, 'b2')
      await wait(bob.token, b2, queued(2))

      // A device frees up: the oldest queued pod gets it, the next one moves up.
      await gpuServer.request('DELETE', `/api/pods/${b1}`, { token: bob.token })
      await wait(alice.token, a2, running)
      await wait(bob.token, b2, queued(1))

      // A pod deployed now queues behind b2, and b2 gets the next device, not the newcomer.
      const a3 = await deploy(alice.token, 'a3')
      await wait(alice.token, a3, queued(2))
      await gpuServer.request('POST', `/api/pods/${a1}/stop`, { token: alice.token })
      await wait(bob.token, b2, running)
      await wait(alice.token, a3, queued(1))

      // Stopping a queued pod cancels its wait; starting it again queues it at the back.
      await gpuServer.request('POST', `/api/pods/${a1}/start`, { token: alice.token })
      await wait(alice.token, a1, queued(2))
      await gpuServer.request('POST', `/api/pods/${a3}/stop`, { token: alice.token })
      await wait(alice.token, a3, (p) => p.status === 'stopped')
      await gpuServer.request('POST', `/api/pods/${a3}/start`, { token: alice.token })
      await wait(alice.token, a1, queued(1))
      await wait(alice.token, a3, queued(2))

      // Waiting is never billed: compute accrues only while compute_active (a placed container).
      const computing = await gpuServer.platform.database.db
        .selectFrom('pods')
        .select(['id', 'compute_active'])
        .where('id', 'in', [a1, a3])
        .execute()
      expect(computing.map((p) => p.compute_active)).toEqual([false, false])
    } finally {
      await gpuServer.stop()
    }
  })
})
