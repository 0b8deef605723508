import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { systemClock } from '../../src/lib/clock.js'
import { silentLogger } from '../../src/lib/logger.js'
import { createRuntime } from '../../src/runtime/select-runtime.js'
import { createTestServer, eventually, type Json, type TestServer, waitForEvent } from '../harness.js'
import { type EngineClient, TEST_IMAGE, testEngine } from './engine.js'

/**
 * The docker runtime end to end, through the public API, on a real engine (Podman in CI).
 * One server for the file; every pod is deleted by the test that made it.
 */

const engine = await testEngine('docker runtime end-to-end')

function get(host: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, timeout: 2000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        body += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

describe.skipIf(!engine)('docker runtime on a real engine', () => {
  let server: TestServer
  let client: { token: string; id: string }
  const docker = engine as EngineClient

  beforeAll(async () => {
    server = await createTestServer({
      env: {
        NEUROPOD_RUNTIME: 'docker',
        NEUROPOD_DOCKER_SOCKET: docker.socketPath,
        NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
        // One GPU on a machine without GPUs: placement is real, the device request is not.
        NEUROPOD_GPUS: '0:rtx-4050',
        NEUROPOD_DOCKER_GPU_MODE: 'env',
        NEUROPOD_DOCKER_LIMITS: 'cpu=1:256m,rtx-4050=1:128m',
      },
    })
    client = await server.newClient('docker')
  })
  afterAll(async () => {
    const instance = server && (await server.platform.runtime.health()).details.instance
    await server?.stop()
    if (typeof instance === 'string') await docker.removeInstance(instance)
  })

  const pod = async (podId: string, token = client.token): Promise<Json> =>
    (await server.request('GET', `/api/pods/${podId}`, { token })).body.data
  const waitFor = (podId: string, check: (p: Json) => boolean, timeoutMs = 20_000) =>
    eventually(async () => {
      const p = await pod(podId)
      return check(p) ? p : null
    }, timeoutMs)
  const create = async (body: Record<string, unknown>): Promise<string> => {
    const res = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { dockerImage: TEST_IMAGE, gpu: 'cpu', containerDiskSize: 5, volumeDiskSize: 5, ...body },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return res.body.data.podId
  }
  const remove = async (podId: string, keepVolume = false) => {
    await server.request('DELETE', `/api/pods/${podId}?keepVolume=${keepVolume}`, { token: client.token })
    await eventually(
      async () => (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).status === 404,
    )
  }

  it('runs a pod: container, HTTP port, TCP port, logs, volume across stop/start, delete', async () => {
    const podId = await create({
      name: 'life',
      ports: [8080],
      tcpPorts: [2222],
      env: { GREETING: 'hello-from-env' },
      startCommand:
        'echo "booted with $GREETING"; echo to-stderr >&2; echo boot >> /workspace/boots.txt; exec httpd -f -v -p 8080 -h /workspace',
    })
    const running = await waitFor(podId, (p) => p.status === 'running')
    expect(running.httpServices[0].status).toBe('ready')

    // The container is named and labelled from the pod id, limited, and mounts the volume.
    const info = (await docker.container(`neuropod-${podId}`))!
    expect(info.State.Running).toBe(true)
    expect(info.Config.Labels['io.neuropod.pod-id']).toBe(podId)
    expect(info.Config.Labels['io.neuropod.user-id']).toBe(client.id)
    expect(info.Config.Env).toContain('GREETING=hello-from-env')
    expect(info.Config.Env).toContain('NVIDIA_VISIBLE_DEVICES=void')
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024)
    expect(info.HostConfig.NanoCpus).toBe(1e9)
    // The volume is the user's: named and labelled from its own id (ADR 0016).
    const volumeName = `neuropod-vol-${running.volumeId}`
    expect(info.Mounts.find((m) => m.Destination === '/workspace')?.Name).toBe(volumeName)
    expect(info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostIp).toBe('127.0.0.1')

    // The HTTP port answers where the runtime says the platform reaches it.
    const endpoint = (await server.platform.runtime.endpoint(podId, 8080))!
    expect(endpoint.host).toBe('127.0.0.1')
    expect(await get(endpoint.host, endpoint.port, '/boots.txt')).toEqual({ status: 200, body: 'boot\n' })

    // The TCP port is published and shown as host:port.
    const tcp = running.tcpServices[0]
    expect(tcp.hostPort).toBe(Number(info.NetworkSettings.Ports['2222/tcp']?.[0]?.HostPort))
    expect(tcp.url).toBe(`tcp://${tcp.host}:${tcp.hostPort}`)

    // Logs: stdout and stderr, with timestamps.
    const logs = await eventually(async () => {
      const res = await server.request('GET', `/api/pods/${podId}/logs?tail=50`, { token: client.token })
      return res.body.data.lines.length >= 2 ? res.body.data : null
    })
    expect(logs.available).toBe(true)
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ stream: 'stdout', message: 'booted with hello-from-env' }),
    )
    expect(logs.lines).toContainEqual(expect.objectContaining({ stream: 'stderr', message: 'to-stderr' }))
    expect(logs.lines[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT/)

    // Stats come from the engine.
    const stats = (await server.request('GET', `/api/pods/${podId}/stats`, { token: client.token })).body.data
    expect(stats.available).toBe(true)
    expect(stats.memoryLimitBytes).toBe(256 * 1024 * 1024)
    expect(stats.memoryUsedBytes).toBeGreaterThan(0)
    expect(typeof stats.cpuUsage).toBe('number')

    // What the first boot wrote to the volume survives stop/start (the second boot appends).
    expect((await server.request('POST', `/api/pods/${podId}/stop`, { token: client.token })).status).toBe(
      200,
    )
    const stopped = await waitFor(podId, (p) => p.status === 'stopped')
    expect(stopped.tcpServices[0].hostPort).toBeNull()
    expect(await docker.container(`neuropod-${podId}`)).toBeNull()
    expect(await docker.volumeExists(volumeName)).toBe(true)
    const logsWhileStopped = await server.request('GET', `/api/pods/${podId}/logs`, { token: client.token })
    expect(logsWhileStopped.body.data.available).toBe(false)

    expect((await server.request('POST', `/api/pods/${podId}/start`, { token: client.token })).status).toBe(
      200,
    )
    const restarted = await waitFor(podId, (p) => p.status === 'running')
    const again = (await server.platform.runtime.endpoint(podId, 8080))!
    expect(await get(again.host, again.port, '/boots.txt')).toEqual({ status: 200, body: 'boot\nboot\n' })
    // Same TCP host port after a restart (it was free).
    expect(restarted.tcpServices[0].hostPort).toBe(tcp.hostPort)

    // Delete removes the container and keeps the volume; deleting the volume removes it.
    await remove(podId, true)
    expect(await docker.container(`neuropod-${podId}`)).toBeNull()
    expect(await docker.volumeExists(volumeName)).toBe(true)
    const gone = await server.request('DELETE', `/api/volumes/${running.volumeId}`, { token: client.token })
    expect(gone.status).toBe(200)
    expect(await docker.volumeExists(volumeName)).toBe(false)
  })

  it('sees a container killed outside the platform: error with exit code, pushed to the socket', async () => {
    const podId = await create({
      name: 'victim',
      ports: [8080],
      startCommand: 'exec httpd -f -p 8080 -h /www',
    })
    await waitFor(podId, (p) => p.status === 'running')
    const socket = await server.socket(client.token)
    socket.emit('subscribe', { podId })
    await waitForEvent(socket, 'subscribed')
    const failed = waitForEvent(socket, 'podUpdate', (e) => e.podId === podId && e.status === 'error', 5000)
    const killedAt = Date.now()
    expect(await docker.kill(`neuropod-${podId}`)).toBe(204)
    const update = await failed
    expect(Date.now() - killedAt).toBeLessThan(2000)
    expect(update.pod.exitCode).toBe(137)
    expect(update.pod.statusReason).toMatch(/exited with code 137/)
    socket.disconnect()
    await remove(podId)
  })

  it('sees a container removed by hand', async () => {
    const podId = await create({
      name: 'removed',
      ports: [8080],
      startCommand: 'exec httpd -f -p 8080 -h /www',
    })
    await waitFor(podId, (p) => p.status === 'running')
    expect(await docker.remove(`neuropod-${podId}`)).toBe(204)
    const gone = await waitFor(podId, (p) => p.status === 'error')
    expect(gone.statusReason).toMatch(/exited|removed/)
    await remove(podId)
  })

  it('puts a pod whose image cannot be pulled in error with the engine’s reason', async () => {
    const podId = await create({
      name: 'nopull',
      dockerImage: 'localhost/neuropod-missing-image:1',
      ports: [8080],
    })
    const failed = await waitFor(podId, (p) => p.status === 'error')
    expect(failed.statusReason).toMatch(/^Image pull failed: .+/)
    const events = (await server.request('GET', `/api/pods/${podId}/events`, { token: client.token })).body
      .data
    expect(events.map((e: Json) => e.reason)).toContain('Pulling')
    await remove(podId)
  })

  it('marks an HTTP service ready only once its port answers', async () => {
    const podId = await create({
      name: 'slow',
      ports: [8080],
      startCommand: 'sleep 2; exec httpd -f -p 8080 -h /www',
    })
    // The container runs before anything listens: the pod stays `creating`, the service not ready.
    const started = await waitFor(podId, (p) => p.startedAt !== null)
    expect(started.status).toBe('creating')
    expect(started.httpServices[0].status).toBe('creating')
    const endpoint = (await server.platform.runtime.endpoint(podId, 8080))!
    await expect(get(endpoint.host, endpoint.port)).rejects.toThrow()
    const ready = await waitFor(podId, (p) => p.status === 'running')
    expect(ready.httpServices[0].status).toBe('ready')
    expect((await get(endpoint.host, endpoint.port)).status).toBe(200)
    await remove(podId)
  })

  it('gives the single GPU to one pod and starts the other once it is released', async () => {
    const body = { gpu: 'rtx-4050', ports: [8080], startCommand: 'exec httpd -f -p 8080 -h /www' }
    const first = await create({ ...body, name: 'gpu-a' })
    await waitFor(first, (p) => p.status === 'running')
    const second = await create({ ...body, name: 'gpu-b' })
    const waiting = await waitFor(
      second,
      (p) => p.status === 'pending' && /Waiting/.test(p.statusReason ?? ''),
    )
    expect(waiting.statusReason).toMatch(/0 of 1 free/)
    const info = (await docker.container(`neuropod-${first}`))!
    expect(info.Config.Env).toContain('NVIDIA_VISIBLE_DEVICES=0')
    expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024)
    expect(await docker.container(`neuropod-${second}`)).toBeNull()
    const stock = async () =>
      (await server.request('GET', '/api/pricing/gpus/rtx-4050', { token: client.token })).body.data.stock
    expect(await stock()).toEqual({ total: 1, free: 0, source: 'gpu-inventory' })
    // No nvidia-smi here: GPU usage is unavailable and says why; CPU and memory still come through.
    const stats = (await server.request('GET', `/api/pods/${first}/stats`, { token: client.token })).body.data
    expect(stats).toMatchObject({ available: true, gpuUsage: null, gpuMemoryUsage: null })
    expect(stats.reason).toMatch(/GPU usage is not available: nvidia-smi/)
    expect(stats.memoryLimitBytes).toBe(128 * 1024 * 1024)

    await server.request('POST', `/api/pods/${first}/stop`, { token: client.token })
    await waitFor(second, (p) => p.status === 'running')
    expect((await docker.container(`neuropod-${second}`))!.Config.Env).toContain('NVIDIA_VISIBLE_DEVICES=0')
    await remove(second)
    await remove(first)
    expect(await stock()).toEqual({ total: 1, free: 1, source: 'gpu-inventory' })
  })

  it("gives a Jupyter pod the platform's token, and nothing else sees it", async () => {
    const podId = await create({
      name: 'jupyter',
      enableJupyter: true,
      ports: [8888],
      startCommand: 'echo started; exec httpd -f -p 8888 -h /www',
    })
    await waitFor(podId, (p) => p.status === 'running')
    const row = await server.platform.database.db
      .selectFrom('pods')
      .select('jupyter_token_sealed')
      .where('id', '=', podId)
      .executeTakeFirstOrThrow()
    const token = server.platform.secrets.open(row.jupyter_token_sealed!)
    expect(token.length).toBeGreaterThan(16)
    expect((await docker.container(`neuropod-${podId}`))!.Config.Env).toContain(`JUPYTER_TOKEN=${token}`)
    const events = (await server.request('GET', `/api/pods/${podId}/events`, { token: client.token })).body
      .data
    expect(JSON.stringify(events)).not.toContain(token)
    await remove(podId)
  })

  it('shows the engine in /api/status', async () => {
    const res = await server.request('GET', '/api/status', { token: client.token })
    expect(res.body.data.runtime).toMatchObject({ kind: 'docker', simulated: false, status: 'ok' })
    expect(res.body.data.runtime.version).toMatch(/^(Podman|Docker Engine) \d/)
  })

  it('reports labelled objects no pod owns, and removes them on request', async () => {
    const instance = String((await server.platform.runtime.health()).details.instance)
    const strayPod = 'f'.repeat(16)
    const labels = {
      'io.neuropod.managed': 'true',
      'io.neuropod.instance': instance,
      'io.neuropod.pod-id': strayPod,
    }
    await docker.request('POST', '/volumes/create', { Name: `neuropod-${strayPod}-data`, Labels: labels })
    const made = await docker.request('POST', `/containers/create?name=neuropod-${strayPod}`, {
      Image: TEST_IMAGE,
      Cmd: ['true'],
      Labels: labels,
    })
    expect(made.status).toBe(201)
    const anon = await server.request('GET', '/api/admin/runtime/orphans')
    expect(anon.status).toBe(401)
    expect((await server.request('GET', '/api/admin/runtime/orphans', { token: client.token })).status).toBe(
      403,
    )
    const report = await server.request('GET', '/api/admin/runtime/orphans', { token: server.adminToken })
    expect(report.body.data).toEqual(
      expect.arrayContaining([
        { kind: 'container', name: `neuropod-${strayPod}`, podId: strayPod, removed: false },
        { kind: 'volume', name: `neuropod-${strayPod}-data`, podId: strayPod, removed: false },
      ]),
    )
    const cleaned = await server.request('POST', '/api/admin/runtime/orphans/cleanup', {
      token: server.adminToken,
    })
    expect(cleaned.body.data.every((o: Json) => o.removed)).toBe(true)
    expect(await docker.container(`neuropod-${strayPod}`)).toBeNull()
    expect(await docker.volumeExists(`neuropod-${strayPod}-data`)).toBe(false)
  })

  it('follows logs live over the socket', async () => {
    const podId = await create({
      name: 'chatty',
      ports: [8080],
      startCommand: 'httpd -p 8080 -h /www; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
    })
    await waitFor(podId, (p) => p.status === 'running')
    const socket = await server.socket(client.token)
    const seen: string[] = []
    socket.on('podLogs', (e) => {
      for (const l of e.logs) seen.push(l.message)
    })
    socket.emit('requestLogs', { podId, follow: true, tail: 1 })
    await eventually(async () => seen.filter((m) => m.startsWith('tick')).length >= 3, 10_000)
    socket.disconnect()
    await remove(podId)
  })
})

describe.skipIf(!engine)('runtime selection', () => {
  const context = { instanceId: 'selection', publicUrl: 'http://localhost:3000' }
  const select = (env: Record<string, string>) =>
    createRuntime(loadConfig({ NEUROPOD_LOG_LEVEL: 'silent', ...env }), systemClock, silentLogger, context)

  it('uses an engine that answers when NEUROPOD_RUNTIME is unset, else the simulation', async () => {
    const found = await select({ NEUROPOD_DOCKER_SOCKET: (engine as EngineClient).socketPath })
    expect(found.kind).toBe('docker')
    expect((await found.health()).version).toMatch(/^(Podman|Docker Engine) \d/)
    await found.close()
    const none = await select({ NEUROPOD_DOCKER_SOCKET: '/nonexistent/neuropod.sock' })
    expect(none.kind).toBe('simulated')
  })

  it('keeps NEUROPOD_RUNTIME=docker without an engine, reporting it unreachable', async () => {
    const runtime = await select({
      NEUROPOD_RUNTIME: 'docker',
      NEUROPOD_DOCKER_SOCKET: '/nonexistent/neuropod.sock',
    })
    expect(runtime.kind).toBe('docker')
    const health = await runtime.health()
    expect(health).toMatchObject({ reachable: false, version: null })
    expect(health.error).toMatch(/ENOENT|connect/)
    await runtime.close()
  })
})
