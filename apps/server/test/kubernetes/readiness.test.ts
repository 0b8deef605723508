import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeKubeApiServer } from '../fakes/kube-api-server.js'
import { createTestServer, eventually, type Json, type TestServer } from '../harness.js'
import { kubeEnv } from './helpers.js'

/**
 * Readiness from the cluster, with the control plane outside it: the pods' IP (TEST-NET-1) is not
 * routable from here, so the platform's own probe never answers; only the Pod's Ready condition,
 * which the fake kubelet sets as a kubelet with a passing readinessProbe would, can make a pod running.
 */
describe('kubernetes readiness from the Ready condition (control plane outside the cluster)', () => {
  let fake: FakeKubeApiServer
  let server: TestServer

  beforeAll(async () => {
    fake = await new FakeKubeApiServer({
      kubeletStepMs: 5,
      podIP: '192.0.2.1',
      neverReadyImage: 'never-ready',
    }).start()
    fake.addNode({ name: 'cpu-1' })
    server = await createTestServer({
      env: kubeEnv(fake, {
        NEUROPOD_K8S_PROBE_VIA: 'pod-ip',
        NEUROPOD_RECONCILE_INTERVAL_SECONDS: '3600',
        NEUROPOD_READINESS_GRACE_SECONDS: '5',
      }),
    })
  })
  afterAll(async () => {
    await server?.stop()
    await fake?.close()
  })

  async function create(token: string, image: string): Promise<string> {
    const res = await server.request('POST', '/api/pods', {
      token,
      body: {
        name: `ready-${Math.random().toString(36).slice(2, 7)}`,
        dockerImage: image,
        gpu: 'cpu',
        ports: '8888',
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.data.podId
  }

  const podOf = async (token: string, podId: string): Promise<Json> =>
    (await server.request('GET', `/api/pods/${podId}`, { token })).body.data

  it('asks the kubelet to probe the first HTTP port', async () => {
    const client = await server.newClient()
    const podId = await create(client.token, 'jupyter/base-notebook:latest')
    const manifest = await eventually(async () => fake.get('pods', `np-${podId}`))
    expect(manifest.spec.containers[0].readinessProbe).toMatchObject({ tcpSocket: { port: 8888 } })
  })

  it('a pod the cluster marks Ready is running within 2 s, its services ready, without reaching it', async () => {
    const client = await server.newClient()
    const podId = await create(client.token, 'jupyter/base-notebook:latest')
    const readyAt = await eventually(async () => {
      const pod = fake.get('pods', `np-${podId}`)
      return pod?.status?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True')
        ? performance.now()
        : null
    })
    const running = await eventually(
      async () => {
        const pod = await podOf(client.token, podId)
        return pod.status === 'running' ? pod : null
      },
      10_000,
      50,
    )
    expect(performance.now() - readyAt).toBeLessThan(2000)
    expect(running.statusReason).toBeNull()
    expect(running.httpServices.map((s: Json) => s.status)).toEqual(['ready'])
  })

  it('a container that never becomes Ready gets the grace period’s error', async () => {
    const client = await server.newClient()
    const podId = await create(client.token, 'example/never-ready:1')
    await new Promise((r) => setTimeout(r, 1500))
    expect((await podOf(client.token, podId)).status).toBe('creating')
    const pod = await eventually(
      async () => {
        const p = await podOf(client.token, podId)
        return p.status === 'running' ? p : null
      },
      20_000,
      100,
    )
    expect(pod.statusReason).toBe('Running; port(s) 8888 not answering')
    expect(pod.httpServices[0]).toMatchObject({
      status: 'error',
      statusReason: 'Nothing answers on port 8888 yet',
    })
  })
})
