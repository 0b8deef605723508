import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type TestServer, waitForEvent } from './harness.js'

describe('smoke', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('creates a pod that reaches running on the simulated runtime', async () => {
    const client = await server.newClient()
    const templates = await server.request('GET', '/api/templates', { token: client.token })
    expect(templates.status).toBe(200)
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'first',
        deploymentType: 'docker',
        dockerImage: 'busybox:latest',
        gpu: 'rtx-4050',
        containerDiskSize: 5,
        volumeDiskSize: 5,
        ports: '8080',
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const podId = created.body.data.podId
    const pod = await eventually(async () => {
      const res = await server.request('GET', `/api/pods/${podId}`, { token: client.token })
      return res.body.data.status === 'running' ? res.body.data : null
    })
    expect(pod.httpServices[0].status).toBe('ready')
  })
})

describe('realtime smoke', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await createTestServer()
  })
  afterAll(() => server?.stop())

  it('streams podUpdate to the owner over the socket', async () => {
    const client = await server.newClient()
    const socket = await server.socket(client.token)
    const running = waitForEvent(socket, 'podUpdate', (e) => e.status === 'running')
    const created = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'rt', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const update = await running
    expect(update.pod.podId).toBe(created.body.data.podId)
  })
})
