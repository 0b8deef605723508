import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/config.js'
import { systemClock } from '../src/lib/clock.js'
import { silentLogger } from '../src/lib/logger.js'
import { createRuntime } from '../src/runtime/select-runtime.js'
import { createTestServer, eventually, type TestServer } from './harness.js'
import { complete, interactive, type KeyPair, makeKey, ssh, sshOptions } from './ssh-client.js'

/**
 * The SSH gateway against real Podman containers with the real OpenSSH client: an interactive
 * shell, a command's exit status, `-L` to the container's httpd and scp (over SFTP) of 10 MB
 * both ways. The scp image is the busybox test image plus the host's sftp-server
 * (scripts/podman-env.sh builds it as NEUROPOD_TEST_SFTP_IMAGE); the plain image has none, and
 * says so. Skips without an engine unless NEUROPOD_REQUIRE_ENGINE=true.
 */

vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 })

const IMAGE = process.env.NEUROPOD_TEST_IMAGE ?? 'localhost/neuropod-test:latest'
const SFTP_IMAGE = process.env.NEUROPOD_TEST_SFTP_IMAGE
const socketPath = process.env.NEUROPOD_TEST_DOCKER_SOCKET?.replace(/^unix:\/\//, '')
const dockerEnv: Record<string, string> = socketPath
  ? { NEUROPOD_RUNTIME: 'docker', NEUROPOD_DOCKER_SOCKET: socketPath, DOCKER_HOST: `unix://${socketPath}` }
  : {}

async function unavailable(): Promise<string | null> {
  if (!socketPath) return 'NEUROPOD_TEST_DOCKER_SOCKET is not set'
  if (!fs.existsSync(socketPath)) return `no container engine socket at ${socketPath}`
  if (!SFTP_IMAGE)
    return 'NEUROPOD_TEST_SFTP_IMAGE is not set (scripts/podman-env.sh builds it when the host has sftp-server)'
  try {
    const runtime = await createRuntime(loadConfig(dockerEnv), systemClock, silentLogger, {
      instanceId: 'ssh-docker-probe',
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
if (reason && !requireEngine) console.warn(`[ssh-docker] SKIPPED: ${reason}`)

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', timeout: 10_000 }, (res) => {
        let body = ''
        res.on('data', (d) => {
          body += d
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}

describe('SSH gateway with the Docker runtime (Podman)', () => {
  if (reason) {
    if (requireEngine)
      it('needs a container engine and the sftp test image (NEUROPOD_REQUIRE_ENGINE=true)', () => {
        throw new Error(reason)
      })
    else it.skip(`ssh into real containers — skipped: ${reason}`, () => {})
    return
  }

  let server: TestServer
  let port: number
  let dir: string
  let owner: { token: string; id: string }
  let key: KeyPair
  const pods: string[] = []
  let sftpPod: string
  let plainPod: string

  async function newPod(name: string, image: string): Promise<string> {
    const res = await server.request('POST', '/api/pods', {
      token: owner.token,
      body: { name, dockerImage: image, gpu: 'cpu', ports: [8888], containerDiskSize: 1, volumeDiskSize: 1 },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const podId = res.body.data.podId as string
    pods.push(podId)
    await eventually(
      async () => {
        const pod = (await server.request('GET', `/api/pods/${podId}`, { token: owner.token })).body.data
        if (pod.status === 'error') throw new Error(`pod failed: ${pod.statusReason}`)
        return pod.status === 'running'
      },
      180_000,
      250,
    )
    return podId
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-ssh-docker-'))
    server = await createTestServer({ env: { ...dockerEnv, NEUROPOD_SSH_PORT: '0', NEUROPOD_DATA_DIR: dir } })
    port = (await server.request('GET', '/api/ssh/info')).body.data.port
    owner = await server.newClient('ssh-docker')
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: owner.id, amount: 100, reason: 'tests' },
    })
    key = makeKey(dir, 'owner')
    await server.request('POST', '/api/ssh-keys', { token: owner.token, body: { publicKey: key.publicKey } })
    const suffix = Date.now().toString(36)
    ;[sftpPod, plainPod] = await Promise.all([
      newPod(`ssh-sftp-${suffix}`, SFTP_IMAGE!),
      newPod(`ssh-plain-${suffix}`, IMAGE),
    ])
  })

  afterAll(async () => {
    for (const podId of pods) await server?.request('DELETE', `/api/pods/${podId}`, { token: owner.token })
    await eventually(
      async () => {
        for (const podId of pods) {
          const res = await server.request('GET', `/api/pods/${podId}`, { token: owner.token })
          if (res.status !== 404 && res.body.data?.status !== 'deleted') return false
        }
        return true
      },
      120_000,
      500,
    ).catch(() => {})
    await server?.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('opens an interactive shell in the container (ssh -tt) with a terminal', async () => {
    const session = interactive(port, key, plainPod)
    // busybox ash prints "/ # " and then asks the terminal where its cursor is (ESC [6n).
    await session.waitFor(/[#$] /)
    session.write('echo $((6*7))\r')
    await session.waitFor(/\r\n42\r\n/)
    session.write('stty size\r')
    await session.waitFor(/\r\n\d+ \d+\r\n/)
    session.write('exit\r')
    expect(await session.closed).toBe(0)
  })

  it('follows the client window: a pty shell sees the new size after window-change', async () => {
    const client = new ssh2.Client()
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve())
      client.once('error', reject)
      client.connect({
        host: '127.0.0.1',
        port,
        username: plainPod,
        privateKey: fs.readFileSync(key.file),
        readyTimeout: 60_000,
      })
    })
    try {
      const stream = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
        client.shell({ rows: 30, cols: 100, term: 'xterm' }, (error, channel) =>
          error ? reject(error) : resolve(channel),
        ),
      )
      let output = ''
      stream.on('data', (d: Buffer) => {
        output += d.toString()
      })
      const waitFor = async (pattern: RegExp) => {
        const deadline = Date.now() + 30_000
        while (!pattern.test(output)) {
          if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(output)}`)
          await new Promise((r) => setTimeout(r, 20))
        }
      }
      stream.write('stty size | sed "s/^/size=/"\n')
      await waitFor(/size=30 100/)
      stream.setWindow(40, 120, 0, 0)
      // The resize reaches the engine asynchronously: ask until the shell sees it.
      const deadline = Date.now() + 30_000
      while (!/size=40 120/.test(output)) {
        if (Date.now() > deadline) throw new Error(`no new size in ${JSON.stringify(output)}`)
        stream.write('stty size | sed "s/^/size=/"\n')
        await new Promise((r) => setTimeout(r, 300))
      }
      stream.end('exit\n')
    } finally {
      client.end()
    }
  })

  it('runs a command with its exit status and separate streams', async () => {
    expect((await ssh(port, key, plainPod, ['--', 'exit 3'])).code).toBe(3)
    const res = await ssh(port, key, plainPod, ['cat /www/index.html; echo err >&2'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('neuropod test image')
    expect(res.stderr).toBe('err\n')
  })

  it("forwards -L to the container's httpd on 8888, and refuses ports the pod does not expose", async () => {
    const local = await freePort()
    const refusedPort = await freePort()
    const tunnel = spawn('ssh', [
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-L',
      `${local}:localhost:8888`,
      '-L',
      `${refusedPort}:localhost:22`,
      ...sshOptions(port, key),
      `${plainPod}@127.0.0.1`,
    ])
    try {
      const page = await eventually(async () => get(local), 60_000, 200)
      expect(page.status).toBe(200)
      expect(page.body).toContain('neuropod test image')
      await expect(get(refusedPort)).rejects.toThrow()
    } finally {
      tunnel.kill()
    }
  })

  it('copies 10 MB in and out with scp (SFTP), byte for byte', async () => {
    const source = path.join(dir, 'in.bin')
    const back = path.join(dir, 'back.bin')
    fs.writeFileSync(source, randomBytes(10 * 1024 * 1024))
    const scp = (args: string[]) =>
      complete(spawn('scp', ['-q', ...sshOptions(port, key).map((a) => (a === '-p' ? '-P' : a)), ...args]))
    const upload = await scp([source, `${sftpPod}@127.0.0.1:/tmp/in.bin`])
    expect(upload.code, upload.stderr).toBe(0)
    const remote = await ssh(port, key, sftpPod, ['sha256sum /tmp/in.bin'])
    expect(remote.stdout.split(' ')[0]).toBe(sha256(source))
    const download = await scp([`${sftpPod}@127.0.0.1:/tmp/in.bin`, back])
    expect(download.code, download.stderr).toBe(0)
    expect(sha256(back)).toBe(sha256(source))
  })

  it('says so when the image has no sftp-server', async () => {
    const res = await complete(
      spawn('scp', [
        ...sshOptions(port, key).map((a) => (a === '-p' ? '-P' : a)),
        path.join(dir, 'owner.pub'),
        `${plainPod}@127.0.0.1:/tmp/x`,
      ]),
    )
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("This pod's image has no sftp-server")
  })
})
