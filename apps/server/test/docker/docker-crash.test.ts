import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, type Json } from '../harness.js'
import { type EngineClient, TEST_IMAGE, testEngine } from './engine.js'

/**
 * Crash convergence on a real engine: the real server (`main.ts`) runs as a child process on a
 * data directory that outlives it, is SIGKILLed in the middle of creates, stops and deletes, and is
 * started again on the same data. Each time it must converge: every pod in its desired state, no
 * pod stuck in a transitional state, no container or volume that no pod owns.
 */

const engine = await testEngine('docker crash convergence')
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const TRANSITIONAL = ['pending', 'creating', 'stopping', 'deleting']
const PODS = 5

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

describe.skipIf(!engine)('killing the server mid-operation', () => {
  const docker = engine as EngineClient
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-crash-'))
  let port = 0
  let child: ChildProcess | null = null
  let output = ''
  let token = ''
  let instance = ''

  const base = () => `http://127.0.0.1:${port}`
  const api = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${base()}${p}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    return { status: res.status, body: await res.json().catch(() => null) }
  }

  async function startServer(): Promise<void> {
    // `node --import tsx`, not the tsx CLI: the CLI runs the server in a second process, which a
    // SIGKILL of the first would leave running.
    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'apps/server/src/main.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        HOST: '127.0.0.1',
        NEUROPOD_DATA_DIR: dataDir,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        NEUROPOD_RUNTIME: 'docker',
        NEUROPOD_DOCKER_SOCKET: docker.socketPath,
        NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
        NEUROPOD_ADMIN_EMAIL: 'crash@test.local',
        NEUROPOD_ADMIN_PASSWORD: 'crash-password-123',
        NEUROPOD_SECRET: 'crash-secret-crash-secret-crash-secret-01234',
        NEUROPOD_LOG_LEVEL: 'warn',
        NEUROPOD_WEB_DIST: path.join(dataDir, 'no-web'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString()
    })
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString()
    })
    // A first start under load (PGlite's initdb) can take a while on a busy machine.
    await eventually(async () => (await fetch(`${base()}/api/health`)).ok, 180_000, 100).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nserver output:\n${output.slice(-4000)}`)
      },
    )
    token = ''
    const login = await api('POST', '/api/auth/login', {
      email: 'crash@test.local',
      password: 'crash-password-123',
    })
    token = login.body.token
  }

  async function kill(): Promise<void> {
    const c = child!
    child = null
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve())
      c.kill('SIGKILL')
    })
    // Nothing may answer any more: the server itself died, not just a wrapper around it.
    await expect(fetch(`${base()}/api/health`)).rejects.toThrow()
  }

  const pods = async (): Promise<Json[]> => (await api('GET', '/api/pods')).body.data
  const ours = async () => ({
    containers: await docker.containers(`io.neuropod.instance=${instance}`),
    volumes: await docker.volumes(`io.neuropod.instance=${instance}`),
  })

  /** Every pod reaches `expected` (none left transitional); returns the pods. */
  const converge = (expected: (p: Json) => boolean, count: number) =>
    eventually(
      async () => {
        const list = await pods()
        if (list.length !== count) return null
        if (list.some((p) => TRANSITIONAL.includes(p.status) || !expected(p))) return null
        return list
      },
      60_000,
      200,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nserver output:\n${output.slice(-4000)}`)
    })

  // With NEUROPOD_TEST_DATABASE_URL the server runs on a fresh PostgreSQL database, else on PGlite.
  let databaseUrl: string | null = null
  let dropDatabase = async () => {}

  beforeAll(async () => {
    const pgUrl = process.env.NEUROPOD_TEST_DATABASE_URL
    if (pgUrl) {
      const name = `np_crash_${process.pid}_${Date.now().toString(36)}`
      const admin = new pg.Client({ connectionString: pgUrl })
      await admin.connect()
      await admin.query(`create database ${name}`)
      const url = new URL(pgUrl)
      url.pathname = `/${name}`
      databaseUrl = url.toString()
      dropDatabase = async () => {
        await admin.query(`drop database if exists ${name} with (force)`)
        await admin.end()
      }
    }
    port = await freePort()
    await startServer()
    instance = await eventually(
      async () => (await api('GET', '/api/status')).body.data.runtime.details.instance,
    )
  }, 240_000)

  afterAll(async () => {
    if (child) await kill()
    if (instance) await docker.removeInstance(instance)
    await dropDatabase()
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 })
  })

  it('converges after a kill during creates', async () => {
    const ids: string[] = []
    for (let i = 0; i < PODS; i++) {
      const res = await api('POST', '/api/pods', {
        name: `crash-${i}`,
        dockerImage: TEST_IMAGE,
        gpu: 'cpu',
        ports: [8080],
        startCommand: 'exec httpd -f -p 8080 -h /www',
      })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      ids.push(res.body.data.podId)
    }
    // Kill as soon as the first container exists: the others are mid-creation or not begun.
    await eventually(async () => (await ours()).containers.length > 0, 60_000, 10).catch((error: Error) => {
      throw new Error(`${error.message}\nserver output:\n${output.slice(-4000)}`)
    })
    const before = await pods()
    await kill()
    expect(before.some((p) => p.status !== 'running')).toBe(true)
    await startServer()
    const list = await converge((p) => p.status === 'running', PODS)
    expect(list.map((p) => p.podId).sort()).toEqual([...ids].sort())
    const { containers, volumes } = await ours()
    expect(containers.length).toBe(PODS)
    expect(volumes.length).toBe(PODS)
  }, 300_000)

  it('converges after a kill during stops', async () => {
    const list = await pods()
    for (const p of list) expect((await api('POST', `/api/pods/${p.podId}/stop`)).status).toBe(200)
    // The stop grace is a second (httpd ignores SIGTERM as PID 1): kill while it runs.
    await new Promise((r) => setTimeout(r, 300))
    const before = await pods()
    await kill()
    expect(before.some((p) => p.status === 'stopping')).toBe(true)
    await startServer()
    await converge((p) => p.status === 'stopped', PODS)
    const { containers, volumes } = await ours()
    expect(containers).toEqual([])
    expect(volumes.length).toBe(PODS)
  }, 300_000)

  it('converges after a kill during starts and deletes', async () => {
    const list = await pods()
    const [toStart, ...toDelete] = list
    expect((await api('POST', `/api/pods/${toStart.podId}/start`)).status).toBe(200)
    for (const p of toDelete)
      expect((await api('DELETE', `/api/pods/${p.podId}?keepVolume=false`)).status).toBe(200)
    // Kill at the first effect on the engine (a volume gone, the container created), or after
    // 100 ms: a fixed sleep let a fast machine finish everything before the kill.
    const deadline = Date.now() + 100
    await eventually(
      async () => {
        const { containers, volumes } = await ours()
        return containers.length > 0 || volumes.length < list.length || Date.now() > deadline
      },
      10_000,
      5,
    )
    const before = await pods()
    await kill()
    // The kill landed before the work was done: pods were still to delete, or to start.
    expect(before.length > 1 || before[0]?.status !== 'running', JSON.stringify(before)).toBe(true)
    await startServer()
    const left = await converge((p) => p.status === 'running', 1)
    expect(left[0].podId).toBe(toStart.podId)
    const { containers, volumes } = await ours()
    expect(containers.map((c) => c.Names[0]?.replace(/^\//, ''))).toEqual([`neuropod-${toStart.podId}`])
    expect(volumes.map((v) => v.Name)).toEqual([`neuropod-vol-${toStart.volumeId}`])
    expect((await api('GET', '/api/admin/runtime/orphans')).body.data).toEqual([])
  }, 300_000)
})

describe.skipIf(!engine)('a restart that finds a container created but never started', () => {
  const docker = engine as EngineClient

  it('starts it instead of leaving the pod in creating', async () => {
    const { cloneDatabase, createTestServer } = await import('../harness.js')
    const { handle, drop } = await cloneDatabase()
    // The database outlives each server (closing a server would close it).
    const database = { ...handle, close: async () => {} }
    const env = { NEUROPOD_RUNTIME: 'docker', NEUROPOD_DOCKER_SOCKET: docker.socketPath }
    let server = await createTestServer({ env, database })
    const instance = String((await server.platform.runtime.health()).details.instance)
    try {
      const client = await server.newClient()
      const created = await server.request('POST', '/api/pods', {
        token: client.token,
        body: {
          name: 'half',
          dockerImage: TEST_IMAGE,
          gpu: 'cpu',
          ports: [8080],
          startCommand: 'exec httpd -f -p 8080 -h /www',
        },
      })
      const podId: string = created.body.data.podId
      const status = async () =>
        (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data.status
      await eventually(async () => (await status()) === 'running', 20_000)
      await server.stop()

      // What a crash between "create" and "start" leaves: a created container, the pod `creating`.
      const info = (await docker.container(`neuropod-${podId}`))!
      await docker.remove(`neuropod-${podId}`)
      const made = await docker.request('POST', `/containers/create?name=neuropod-${podId}`, {
        Image: TEST_IMAGE,
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: ['exec httpd -f -p 8080 -h /www'],
        Labels: info.Config.Labels,
        ExposedPorts: { '8080/tcp': {} },
        HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      })
      expect(made.status).toBe(201)
      await handle.db
        .updateTable('pods')
        .set({ status: 'creating', compute_active: false, started_at: null })
        .where('id', '=', podId)
        .execute()

      server = await createTestServer({ env, database })
      await eventually(async () => (await status()) === 'running', 20_000)
      expect((await docker.container(`neuropod-${podId}`))?.State.Running).toBe(true)
    } finally {
      await server.stop()
      await docker.removeInstance(instance)
      await handle.close()
      await drop()
    }
  }, 90_000)
})
