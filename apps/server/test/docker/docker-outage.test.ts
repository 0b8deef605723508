import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type Json, type TestServer, waitForEvent } from '../harness.js'
import { EngineClient, TEST_IMAGE, testEngine } from './engine.js'

/**
 * The engine goes away and comes back. This file runs its own `podman system service` on a private
 * socket (same storage as the shared one) so it can stop and restart it without disturbing other
 * suites; containers outlive the service (conmon keeps them), as they would a Docker restart.
 */

const shared = await testEngine('docker engine outage')
const podman = await new Promise<boolean>((resolve) =>
  execFile('podman', ['--version'], (error) => resolve(!error)),
)

describe.skipIf(!shared || !podman)('when the engine goes away and comes back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-outage-'))
  const socketPath = path.join(dir, 'podman.sock')
  const docker = new EngineClient(socketPath)
  let service: ChildProcess | null = null
  let server: TestServer

  async function startService(): Promise<void> {
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
      stdio: 'ignore',
      env: process.env,
    })
    await eventually(() => docker.ping(), 20_000, 50)
  }

  function stopService(): Promise<void> {
    const s = service!
    service = null
    return new Promise((resolve) => {
      s.once('exit', () => resolve())
      s.kill('SIGTERM')
    })
  }

  beforeAll(async () => {
    await startService()
    server = await createTestServer({
      env: {
        NEUROPOD_RUNTIME: 'docker',
        NEUROPOD_DOCKER_SOCKET: socketPath,
        NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
      },
    })
  }, 60_000)

  afterAll(async () => {
    if (!service) await startService().catch(() => {})
    const instance = server && (await server.platform.runtime.health()).details.instance
    await server?.stop()
    if (typeof instance === 'string') await docker.removeInstance(instance)
    if (service) await stopService()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('keeps reads working, shows the engine unreachable, and converges when it returns', async () => {
    const client = await server.newClient()
    const create = async (name: string) => {
      const res = await server.request('POST', '/api/pods', {
        token: client.token,
        body: {
          name,
          dockerImage: TEST_IMAGE,
          gpu: 'cpu',
          ports: [8080],
          startCommand: 'exec httpd -f -p 8080 -h /www',
        },
      })
      return res.body.data.podId as string
    }
    const view = async (podId: string): Promise<Json> =>
      (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data
    const survivor = await create('survivor')
    const victim = await create('victim')
    await eventually(
      async () => (await view(survivor)).status === 'running' && (await view(victim)).status === 'running',
      20_000,
    )

    const admin = await server.socket(server.adminToken)
    const down = waitForEvent(admin, 'adminNotification', (e) => e.kind === 'runtimeUnreachable', 10_000)
    await stopService()
    await down

    // Reads are served from the database; live pods say the engine cannot be reached.
    const during = await view(survivor)
    expect(during.status).toBe('running')
    expect(during.statusReason).toMatch(/runtime is unreachable/)
    expect((await server.request('GET', '/api/status/public')).body.status).toBe('degraded')
    const status = (await server.request('GET', '/api/status', { token: client.token })).body.data
    expect(status.runtime.status).toBe('error')

    // Meanwhile a container dies (podman itself needs no service).
    await new Promise<void>((resolve, reject) =>
      execFile('podman', ['kill', `neuropod-${victim}`], (error) => (error ? reject(error) : resolve())),
    )

    const up = waitForEvent(admin, 'adminNotification', (e) => e.kind === 'runtimeRecovered', 20_000)
    await startService()
    await up
    const failed = await eventually(async () => {
      const p = await view(victim)
      return p.status === 'error' ? p : null
    }, 20_000)
    expect(failed.exitCode).toBe(137)
    const alive = await view(survivor)
    expect(alive.status).toBe('running')
    expect(alive.statusReason).toBeNull()
    expect((await server.request('GET', '/api/status/public')).body.status).toBe('ok')
    admin.disconnect()
  }, 90_000)
})
