import fs from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { systemClock } from '../src/lib/clock.js'
import { silentLogger } from '../src/lib/logger.js'
import { createRuntime } from '../src/runtime/select-runtime.js'
import { podRequest } from './fakes/pod-client.js'
import { createTestServer, eventually, type Json, type TestServer } from './harness.js'

/**
 * A real container's port through its pod URL. Needs NEUROPOD_RUNTIME=docker support in this build
 * and an engine socket (NEUROPOD_TEST_DOCKER_SOCKET) with the image localhost/neuropod-test:latest,
 * whose `httpd -f -p 8888 -h /www` serves HTTP. Without them it skips, saying why; with
 * NEUROPOD_REQUIRE_ENGINE=true it fails instead.
 */

const IMAGE = 'localhost/neuropod-test:latest'
const socketSetting = process.env.NEUROPOD_TEST_DOCKER_SOCKET
const socketPath = socketSetting?.replace(/^unix:\/\//, '')
const dockerEnv: Record<string, string> = socketPath
  ? { NEUROPOD_RUNTIME: 'docker', NEUROPOD_DOCKER_SOCKET: socketPath, DOCKER_HOST: `unix://${socketPath}` }
  : {}

async function unavailable(): Promise<string | null> {
  if (!socketPath) return 'NEUROPOD_TEST_DOCKER_SOCKET is not set'
  if (!fs.existsSync(socketPath)) return `no container engine socket at ${socketPath}`
  try {
    const runtime = await createRuntime(loadConfig(dockerEnv), systemClock, silentLogger, {
      instanceId: 'proxy-docker-probe',
      publicUrl: 'http://localhost:3000',
    })
    const health = await runtime.health()
    await runtime.close()
    if (!health.reachable) return `the container engine does not answer: ${health.error ?? 'unknown error'}`
  } catch (error) {
    return `NEUROPOD_RUNTIME=docker is not available: ${error instanceof Error ? error.message : String(error)}`
  }
  return null
}

const reason = await unavailable()
const requireEngine = process.env.NEUROPOD_REQUIRE_ENGINE === 'true'
if (reason && !requireEngine) console.warn(`[proxy-docker] SKIPPED: ${reason}`)

describe('pod URLs with the Docker runtime', () => {
  if (reason) {
    if (requireEngine)
      it('needs a container engine (NEUROPOD_REQUIRE_ENGINE=true)', () => {
        throw new Error(reason)
      })
    else it.skip(`a real container's port is served through its pod URL — skipped: ${reason}`, () => {})
    return
  }

  let server: TestServer | undefined
  afterAll(async () => {
    await server?.stop()
  })

  it("serves a real container's port through its pod URL", { timeout: 180_000 }, async () => {
    server = await createTestServer({ env: dockerEnv })
    const owner = await server.newClient('docker-owner')
    const created = await server.request('POST', '/api/pods', {
      token: owner.token,
      body: {
        name: `proxy-docker-${Date.now().toString(36)}`,
        dockerImage: IMAGE,
        startCommand: 'httpd -f -p 8888 -h /www',
        gpu: 'cpu',
        ports: [8888],
        containerDiskSize: 1,
        volumeDiskSize: 1,
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const podId = created.body.data.podId
    try {
      const pod: Json = await eventually(
        async () => {
          const res = await server!.request('GET', `/api/pods/${podId}`, { token: owner.token })
          const data = res.body.data
          if (data.status === 'error') throw new Error(`pod failed: ${data.statusReason}`)
          return data.status === 'running' && data.httpServices[0].status === 'ready' ? data : null
        },
        120_000,
        250,
      )
      const host = `${pod.slug}-8888.localhost`
      const res = await podRequest(server.url, host, '/', {
        headers: { authorization: `Bearer ${owner.token}` },
      })
      expect(res.status).toBe(200)
      expect(res.headers['x-neuropod-simulated']).toBeUndefined()
      expect(
        (await podRequest(server.url, host, '/', { headers: { accept: 'application/json' } })).status,
      ).toBe(401)
    } finally {
      await server.request('DELETE', `/api/pods/${podId}`, { token: owner.token })
      await eventually(
        async () => {
          const res = await server!.request('GET', `/api/pods/${podId}`, { token: owner.token })
          return res.status === 404 || res.body.data?.status === 'deleted'
        },
        60_000,
        250,
      ).catch(() => {})
    }
  })
})
