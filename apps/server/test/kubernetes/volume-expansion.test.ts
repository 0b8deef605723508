import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeKubeApiServer } from '../fakes/kube-api-server.js'
import { createTestServer, type TestServer } from '../harness.js'
import { kubeEnv } from './helpers.js'

/**
 * Growing a volume on Kubernetes (ADR 0016) against the fake API server, which applies the
 * cluster's rule: a claim grows only when its StorageClass has `allowVolumeExpansion`; otherwise
 * the API server refuses with 403, and the user gets a 409 with the cluster's message.
 */
describe('kubernetes volume expansion', () => {
  let fake: FakeKubeApiServer
  const servers: TestServer[] = []

  beforeAll(async () => {
    fake = await new FakeKubeApiServer({
      kubeletStepMs: 5,
      storageClasses: { expandable: { allowVolumeExpansion: true }, fixed: { allowVolumeExpansion: false } },
      defaultStorageClass: 'fixed',
    }).start()
    fake.addNode({ name: 'cpu-1' })
  })
  afterAll(async () => {
    for (const s of servers) await s.stop()
    await fake?.close()
  })

  async function serverWith(storageClass: string | null): Promise<TestServer> {
    const server = await createTestServer({
      env: kubeEnv(fake, {
        NEUROPOD_RECONCILE_INTERVAL_SECONDS: '3600',
        ...(storageClass ? { STORAGE_CLASS: storageClass } : {}),
      }),
    })
    servers.push(server)
    return server
  }

  async function createVolume(server: TestServer, token: string, name: string) {
    const created = await server.request('POST', '/api/volumes', { token, body: { name, size: 5 } })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const row = await server.platform.database.db
      .selectFrom('volumes')
      .select('runtime_name')
      .where('id', '=', created.body.data.volumeId)
      .executeTakeFirstOrThrow()
    return { volumeId: created.body.data.volumeId as string, claim: row.runtime_name }
  }

  const request = (claim: string) =>
    fake.get('persistentvolumeclaims', claim)?.spec?.resources?.requests?.storage as string | undefined

  it('grows the claim when its storage class allows expansion', async () => {
    const server = await serverWith('expandable')
    const client = await server.newClient()
    const { volumeId, claim } = await createVolume(server, client.token, 'grows')
    expect(fake.get('persistentvolumeclaims', claim)?.spec?.storageClassName).toBe('expandable')
    expect(request(claim)).toBe('5Gi')

    const grown = await server.request('PATCH', `/api/volumes/${volumeId}`, {
      token: client.token,
      body: { size: 12 },
    })
    expect(grown.status, JSON.stringify(grown.body)).toBe(200)
    expect(grown.body.data).toMatchObject({ sizeGb: 12, resize: 'expand' })
    expect(request(claim)).toBe('12Gi')
    expect(fake.get('persistentvolumeclaims', claim)?.status?.capacity?.storage).toBe('12Gi')
  })

  it("refuses with 409 and the cluster's message when the storage class does not allow expansion", async () => {
    const server = await serverWith(null) // the cluster's default class: "fixed"
    const client = await server.newClient()
    const { volumeId, claim } = await createVolume(server, client.token, 'stays')
    expect(fake.get('persistentvolumeclaims', claim)?.spec?.storageClassName).toBe('fixed')

    const refused = await server.request('PATCH', `/api/volumes/${volumeId}`, {
      token: client.token,
      body: { size: 8 },
    })
    expect(refused.status, JSON.stringify(refused.body)).toBe(409)
    expect(refused.body.message).toMatch(/storage class must allow volume expansion/)
    expect(refused.body.message).toMatch(/the storageclass that provisions the pvc must support resize/)
    expect(request(claim)).toBe('5Gi')
    const after = await server.request('GET', `/api/volumes/${volumeId}`, { token: client.token })
    expect(after.body.data.sizeGb).toBe(5) // nothing recorded, nothing priced
  })
})
