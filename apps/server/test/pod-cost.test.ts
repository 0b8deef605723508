import { describe, expect, it } from 'vitest'
import { DEFAULT_DISK_PRICE_MICROS_PER_GB_HOUR, defaultSettings } from '../src/pricing/catalog.js'
import { createTestServer, eventually, type Json } from './harness.js'

/**
 * What a pod costs as shown (issue 17 items 7 and 8): a stopped pod shows what accrues now — its
 * volume only — and storage is priced like the market's; deleting a deleted pod answers as the
 * first delete did (the route is documented idempotent).
 */
describe('pod cost and delete', () => {
  it('shows a stopped pod at its storage price, a running one at compute plus storage', async () => {
    const server = await createTestServer()
    try {
      const client = await server.newClient()
      const created = await server.request('POST', '/api/pods', {
        token: client.token,
        body: {
          name: 'priced',
          deploymentType: 'docker',
          ports: [8080],
          dockerImage: 'busybox:latest',
          gpu: 'rtx-4050',
          containerDiskSize: 10,
          volumeDiskSize: 30,
        },
      })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const podId = created.body.data.pod.podId as string
      const view = async (status: string): Promise<Json> =>
        eventually(async () => {
          const res = await server.request('GET', `/api/pods/${podId}`, { token: client.token })
          return res.body.data?.status === status ? res.body.data : null
        })
      const running = await view('running')
      // test prices: 0.05 €/GB/h container disk, 0.10 €/GB/h volume
      expect(running.storageCostPerHour).toBeCloseTo(3, 6)
      expect(running.costPerHour).toBeCloseTo(running.computeCostPerHour + 3, 6)
      expect(running.computeCostPerHour).toBeGreaterThan(0)

      await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })
      const stopped = await view('stopped')
      expect(stopped.costPerHour).toBeCloseTo(3, 6)
      expect(stopped.storageCostPerHour).toBeCloseTo(3, 6)
      const list = await server.request('GET', '/api/pods', { token: client.token })
      const listed = (list.body.data as Json[]).find((p) => p.podId === podId)
      expect(listed.costPerHour).toBeCloseTo(3, 6)
    } finally {
      await server.stop()
    }
  })

  it('ships storage at about 0.10 per GB-month, so a 30 GB volume costs far less than a GPU', async () => {
    expect(DEFAULT_DISK_PRICE_MICROS_PER_GB_HOUR).toBe(137) // 0.10 / 730 h in µ€
    const settings = defaultSettings()
    expect(settings.volume_disk_price).toBe(137)
    expect(settings.container_disk_price).toBe(137)
    // Without the seed variables, a fresh platform uses these defaults.
    const server = await createTestServer({ env: { CONTAINER_DISK_PRICE: '', VOLUME_DISK_PRICE: '' } })
    try {
      const pricing = await server.request('GET', '/api/pricing', { token: server.adminToken })
      expect(pricing.status).toBe(200)
      expect(JSON.stringify(pricing.body)).toContain('0.000137')
      const client = await server.newClient()
      const created = await server.request('POST', '/api/pods', {
        token: client.token,
        body: {
          name: 'cheap',
          deploymentType: 'docker',
          ports: [8080],
          dockerImage: 'busybox:latest',
          gpu: 'rtx-4050',
          volumeDiskSize: 30,
        },
      })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const pod = created.body.data.pod
      expect(pod.storageCostPerHour).toBeCloseTo(0.00411, 6)
      expect(pod.storageCostPerHour).toBeLessThan(pod.computeCostPerHour / 100)
    } finally {
      await server.stop()
    }
  })

  it('answers a second DELETE of a pod with the same success, and others still get 404', async () => {
    const server = await createTestServer()
    try {
      const client = await server.newClient()
      const other = await server.newClient()
      const created = await server.request('POST', '/api/pods', {
        token: client.token,
        body: {
          name: 'twice',
          deploymentType: 'docker',
          ports: [8080],
          dockerImage: 'busybox:latest',
          gpu: 'cpu',
        },
      })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const podId = created.body.data.pod.podId as string
      const first = await server.request('DELETE', `/api/pods/${podId}`, { token: client.token })
      expect(first.status).toBe(200)
      await eventually(async () => {
        const res = await server.request('GET', `/api/pods/${podId}`, { token: client.token })
        return res.status === 404
      })
      const second = await server.request('DELETE', `/api/pods/${podId}`, { token: client.token })
      expect(second.status, JSON.stringify(second.body)).toBe(200)
      expect(second.body).toMatchObject({ success: true, data: { podId, desiredState: 'deleted' } })
      const byAdmin = await server.request('DELETE', `/api/pods/${podId}`, { token: server.adminToken })
      expect(byAdmin.status).toBe(200)
      const byOther = await server.request('DELETE', `/api/pods/${podId}`, { token: other.token })
      expect(byOther.status).toBe(404)
    } finally {
      await server.stop()
    }
  })
})
