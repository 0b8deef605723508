import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type Json, type TestServer } from './harness.js'

describe('price catalog', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer({ env: { GPU_RTX4070_PRICE: '1.00', CONTAINER_DISK_PRICE: '0.04' } })
  })
  afterAll(() => server?.stop())

  it('serves the original defaults plus the seed variables', async () => {
    const pub = (await server.request('GET', '/api/pricing/public')).body.data
    expect(pub.gpus['rtx-4050']).toEqual({
      name: 'RTX 4050',
      price: 2.5,
      available: true,
      specs: { memory: '6GB GDDR6', cores: 2560, performance: 'Entry Level' },
    })
    expect(pub.gpus['rtx-4080']).toMatchObject({ price: 4.99, available: false })
    expect(pub.gpus['rtx-4090']).toMatchObject({ price: 8.99, available: false })
    expect(pub.gpus['rtx-4070']).toMatchObject({ name: 'RTX 4070', price: 1, available: true })
    expect(pub.storage.containerDisk.price).toBe(0.04)
    expect(pub.storage.volumeDisk.price).toBe(0.1)
    expect(pub.limits).toEqual({
      containerDiskMax: 100,
      volumeDiskMax: 150,
      portsMax: 10,
      podsPerUser: 5,
      gpuCountMax: 8,
    })
    expect(pub.freeTier).toEqual({ enabled: true, initialBalance: 10 })
    expect((await server.request('GET', '/api/status/pricing')).body).toEqual(
      (await server.request('GET', '/api/pricing/public')).body,
    )
  })

  it('calculates costs exactly, for any number of hours', async () => {
    const res = await server.request('POST', '/api/status/calculate-cost', {
      body: { gpu: 'rtx-4050', containerDiskSize: 10, volumeDiskSize: 20, hours: 24 },
    })
    expect(res.body.data).toMatchObject({
      gpu: { name: 'RTX 4050', hourlyRate: 2.5, cost: 60, count: 1 },
      containerDisk: { size: 10, hourlyRate: 0.4, cost: 9.6 },
      volumeDisk: { size: 20, hourlyRate: 2, cost: 48 },
      totalHourly: 4.9,
      total: 117.6,
      currency: 'EUR',
    })
    const cpu = await server.request('POST', '/api/status/calculate-cost', {
      body: { gpu: 'cpu', containerDiskSize: 10, volumeDiskSize: 10 },
    })
    expect(cpu.body.data.totalHourly).toBe(1.4)
  })

  it('adds, edits, removes GPU types with deep merges, and the deploy price follows at once', async () => {
    const client = await server.newClient()
    const update = await server.request('PUT', '/api/pricing', {
      token: server.adminToken,
      body: {
        gpus: {
          'h100-80gb': { name: 'H100 80GB', price: 3.25, specs: { memory: '80GB HBM3', cores: 16896 } },
          'rtx-4090': { available: true, specs: { performance: 'Top' } },
          'rtx-4080': null,
        },
        storage: { volumeDisk: { price: 0.2 } },
        limits: { podsPerUser: 7 },
        freeTier: { initialBalance: 5 },
        billing: { lowBalanceThresholdHours: 2 },
      },
    })
    expect(update.status, JSON.stringify(update.body)).toBe(200)
    const p = update.body.data
    // Administrators see who changed the catalog; clients see no e-mail of anyone.
    expect(p.updatedByEmail).toBe(server.config.auth.adminEmail)
    const asAdmin = await server.request('GET', '/api/pricing', { token: server.adminToken })
    expect(asAdmin.body.data.updatedByEmail).toBe(server.config.auth.adminEmail)
    const asClient = await server.request('GET', '/api/pricing', { token: client.token })
    expect(asClient.body.data).not.toHaveProperty('updatedByEmail')
    expect(JSON.stringify(asClient.body)).not.toContain(server.config.auth.adminEmail)
    expect(p.gpus['h100-80gb']).toEqual({
      name: 'H100 80GB',
      price: 3.25,
      available: true,
      specs: { memory: '80GB HBM3', cores: 16896, performance: '' },
    })
    expect(p.gpus['rtx-4090']).toEqual({
      name: 'RTX 4090',
      price: 8.99,
      available: true,
      specs: { memory: '24GB GDDR6X', cores: 16384, performance: 'Top' },
    })
    expect(p.gpus['rtx-4080']).toBeUndefined()
    expect(p.storage.volumeDisk).toMatchObject({ price: 0.2, unit: '€/GB/hour' }) // unit kept: no shallow merge
    expect(p.limits.podsPerUser).toBe(7)
    expect(p.billing.lowBalanceThresholdHours).toBe(2)
    const cost = await server.request('POST', '/api/pricing/calculate-cost', {
      token: client.token,
      body: { gpu: 'h100-80gb', gpuCount: 2, containerDiskSize: 10, volumeDiskSize: 10 },
    })
    expect(cost.body.data.totalHourly).toBe(6.5 + 0.4 + 2)
    const available = (
      await server.request('GET', '/api/pricing/gpus/available', { token: client.token })
    ).body.data.map((g: Json) => g.id)
    expect(available).toEqual(expect.arrayContaining(['rtx-4050', 'rtx-4090', 'h100-80gb']))
    expect(
      (await server.request('GET', '/api/pricing/gpus/h100-80gb', { token: client.token })).body.data.name,
    ).toBe('H100 80GB')
    // New users get the new initial balance.
    expect(
      (await server.newClient().then((c) => server.request('GET', '/api/auth/me', { token: c.token }))).body
        .data.balance,
    ).toBe(5)

    const reset = await server.request('POST', '/api/pricing/reset', { token: server.adminToken })
    expect(reset.body.data.gpus['h100-80gb']).toBeUndefined()
    expect(reset.body.data.gpus['rtx-4080']).toBeDefined()
    expect(reset.body.data.gpus['rtx-4070'].price).toBe(1) // the seed variables apply after a reset too
  })

  it('keeps the prices a pod was started with (rates are frozen per pod)', async () => {
    const client = await server.newClient()
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'frozen',
        dockerImage: 'busybox:latest',
        gpu: 'rtx-4050',
        containerDiskSize: 10,
        volumeDiskSize: 10,
        ports: [8080],
      },
    })
    const before = created.body.data.pod.costPerHour
    await server.request('PUT', '/api/pricing', {
      token: server.adminToken,
      body: { gpus: { 'rtx-4050': { price: 9 } } },
    })
    const after = (
      await server.request('GET', `/api/pods/${created.body.data.podId}`, { token: client.token })
    ).body.data.costPerHour
    expect(after).toBe(before)
    await server.request('POST', '/api/pricing/reset', { token: server.adminToken })
  })
})

describe('templates', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('seeds the original three templates plus a working Jupyter template', async () => {
    const client = await server.newClient()
    const list = (await server.request('GET', '/api/templates', { token: client.token })).body as Json[]
    expect(list.map((t) => t.name).sort()).toEqual([
      'ComfyUI',
      'Jupyter Lab',
      'Python Data Science',
      'Ubuntu Base',
    ])
    const jupyter = list.find((t) => t.name === 'Jupyter Lab')
    expect(jupyter).toMatchObject({
      enableJupyter: true,
      httpPorts: [{ port: 8888, serviceName: 'Jupyter Lab' }],
      createdBy: { name: 'Administrator' },
    })
    expect(jupyter._id).toBe(jupyter.id)
    const summary = (await server.request('GET', '/api/templates/summary', { token: client.token })).body
    expect(summary.total).toBe(4)
    expect(summary.recent.length).toBe(4)
    expect(summary.byUser).toEqual([
      { userId: jupyter.createdBy.id, userName: 'Administrator', templateCount: 4 },
    ])
  })

  it('creates, edits and deletes templates; a deleted template leaves its pods working', async () => {
    const created = await server.request('POST', '/api/templates', {
      token: server.adminToken,
      body: {
        name: 'Course image',
        dockerImage: 'busybox:latest',
        httpPorts: [{ port: 8080, serviceName: 'Web' }],
        tcpPorts: [{ port: 22, serviceName: 'SSH' }],
        containerDiskSize: 5,
        volumeDiskSize: 10,
        volumePath: '/data',
        env: { COURSE: 'ml-101' },
        startCommand: 'httpd -f -p 8080',
        description: '# Course\n\nUse **this** one.',
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.message).toBe('Template created')
    const id = created.body.template.id
    const edited = await server.request('PUT', `/api/templates/${id}`, {
      token: server.adminToken,
      body: { description: 'Updated', containerDiskSize: 8 },
    })
    expect(edited.body.template).toMatchObject({
      description: 'Updated',
      containerDiskSize: 8,
      volumePath: '/data',
      env: { COURSE: 'ml-101' },
    })
    expect(
      (
        await server.request('PUT', `/api/templates/${id}`, {
          token: server.adminToken,
          body: { name: 'jupyter lab' },
        })
      ).status,
    ).toBe(409)

    const client = await server.newClient()
    const pod = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'from-template', deploymentType: 'template', template: id, gpu: 'cpu' },
    })
    expect(pod.body.data.pod).toMatchObject({
      volumePath: '/data',
      startCommand: 'httpd -f -p 8080',
      env: { COURSE: 'ml-101' },
      containerDiskSize: 8,
      volumeDiskSize: 10,
    })
    const podId = pod.body.data.podId
    const deleted = await server.request('DELETE', `/api/templates/${id}`, { token: server.adminToken })
    expect(deleted.body).toEqual({ message: 'Template deleted', podsUsingTemplate: 1 })
    const after = (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data
    expect(after).toMatchObject({
      templateId: null,
      templateName: 'Course image',
      dockerImage: 'busybox:latest',
    })
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data.status ===
        'running',
    )
    expect((await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })).status).toBe(
      200,
    )
    // A start while it is still stopping is refused (409); once stopped it starts from the pod's own copy.
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data.status ===
        'stopped',
    )
    expect((await server.request('POST', `/api/pods/${podId}/start`, { token: client.token })).status).toBe(
      200,
    )
  })
})
