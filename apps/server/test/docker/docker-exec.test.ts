import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collect, execContract } from '../exec-contract.js'
import { createTestServer, eventually, type TestServer } from '../harness.js'
import { type EngineClient, TEST_IMAGE, testEngine } from './engine.js'

/** Exec in a real container through the Docker Engine API (Podman in CI). */

const engine = await testEngine('docker exec')

describe.skipIf(!engine)('docker exec on a real engine', () => {
  let server: TestServer
  let podId: string
  const docker = engine as EngineClient

  beforeAll(async () => {
    server = await createTestServer({
      env: {
        NEUROPOD_RUNTIME: 'docker',
        NEUROPOD_DOCKER_SOCKET: docker.socketPath,
        NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
      },
    })
    const client = await server.newClient('exec')
    const res = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'exec',
        dockerImage: TEST_IMAGE,
        gpu: 'cpu',
        ports: [8888],
        containerDiskSize: 5,
        volumeDiskSize: 5,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    podId = res.body.data.podId
    await eventually(async () => {
      const pod = (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data
      return pod.status === 'running'
    }, 30_000)
  })
  afterAll(async () => {
    const instance = server && (await server.platform.runtime.health()).details.instance
    await server?.stop()
    if (typeof instance === 'string') await docker.removeInstance(instance)
  })

  execContract(() => ({ runtime: server.platform.runtime, podId, unknownPodId: 'ffffffffffffffff' }))

  it('leaves no process behind when a session is closed (the engine itself would)', async () => {
    const runtime = server.platform.runtime
    for (const tty of [false, true]) {
      const session = await runtime.exec({ podId, command: ['sleep', '601'], tty })
      await session.close()
    }
    await eventually(async () => {
      const ps = await collect(await runtime.exec({ podId, command: ['ps'], tty: false }))
      return !ps.stdout.toString().includes('sleep 601')
    }, 5000)
  })
})
