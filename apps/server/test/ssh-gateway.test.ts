import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestServer, eventually, type TestServer } from './harness.js'
import { interactive, type KeyPair, makeKey, ssh } from './ssh-client.js'

/**
 * The SSH gateway with the real OpenSSH client, on the simulated runtime (the Podman suite,
 * ssh-docker.test.ts, covers real containers, scp and -L). Sign-in, refusals with their messages,
 * the audit records and revocation.
 */
// Each case runs several real ssh processes (key exchange, sign-in) on a shared, slow machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 })

describe('SSH gateway (simulated runtime)', () => {
  let server: TestServer
  let port: number
  let dir: string
  let owner: { token: string; id: string; email: string }
  let other: { token: string; id: string; email: string }
  let ownerKey: KeyPair
  let otherKey: KeyPair
  let podId: string

  /** Refusal messages are printed at OpenSSH's default log level, as users see them. */
  const refusal = (key: KeyPair | null, user: string, extra: string[] = []) =>
    ssh(port, key, user, ['true'], { extra: ['-o', 'LogLevel=INFO', ...extra] })

  const podStatus = async (id: string) =>
    (await server.request('GET', `/api/pods/${id}`, { token: owner.token })).body.data.status

  async function newPod(name: string): Promise<string> {
    const res = await server.request('POST', '/api/pods', {
      token: owner.token,
      body: { name, dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const id = res.body.data.podId as string
    await eventually(async () => (await podStatus(id)) === 'running')
    return id
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-ssh-'))
    server = await createTestServer({
      env: { NEUROPOD_SSH_PORT: '0', NEUROPOD_DATA_DIR: dir, NEUROPOD_PROXY_ACTIVITY_FLUSH_MS: '100' },
    })
    const info = await server.request('GET', '/api/ssh/info')
    port = info.body.data.port
    owner = await server.newClient('ssh-owner')
    other = await server.newClient('ssh-other')
    await server.request('POST', '/api/auth/users/credit', {
      token: server.adminToken,
      body: { userId: owner.id, amount: 100, reason: 'tests' },
    })
    ownerKey = makeKey(dir, 'owner')
    otherKey = makeKey(dir, 'other')
    for (const [token, key] of [
      [owner.token, ownerKey],
      [other.token, otherKey],
    ] as const) {
      const res = await server.request('POST', '/api/ssh-keys', { token, body: { publicKey: key.publicKey } })
      expect(res.status).toBe(201)
    }
    podId = await newPod('shell-pod')
  })
  afterAll(async () => {
    await server?.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('publishes where it listens and its host key, kept private in the data directory', async () => {
    const info = (await server.request('GET', '/api/ssh/info')).body.data
    expect(info).toMatchObject({ enabled: true, host: 'localhost', port, hostKeyAlgorithm: 'ssh-ed25519' })
    expect(info.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    const keyFile = path.join(dir, 'ssh_host_ed25519_key')
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600)
    const scan = await ssh(port, ownerKey, podId, ['true'], { extra: ['-v'] })
    expect(scan.stderr).toContain(info.hostKeyFingerprint)
  })

  it('opens an interactive shell in the pod (ssh -tt) by id and by name, and records the last use', async () => {
    const lastActive = async () =>
      (await server.request('GET', `/api/pods/${podId}`, { token: owner.token })).body.data.lastActive as
        | string
        | null
    const before = await lastActive()
    for (const user of [podId, 'shell-pod']) {
      const session = interactive(port, ownerKey, user)
      await session.waitFor(/\$ $/)
      session.write('echo $((6*7))\r')
      await session.waitFor(/\r\n42\r\n/)
      session.write('exit 0\r')
      expect(await session.closed).toBe(0)
    }
    const keys = (await server.request('GET', '/api/ssh-keys', { token: owner.token })).body.data
    expect(keys[0].lastUsedAt).not.toBeNull()
    // Shell use is pod activity (the idle stop reads lastActive).
    await eventually(async () => {
      const now = await lastActive()
      return now !== null && (before === null || Date.parse(now) > Date.parse(before))
    })
  })

  it('runs a command and passes its exit status on', async () => {
    const three = await ssh(port, ownerKey, podId, ['--', 'exit 3'])
    expect(three.code).toBe(3)
    const echo = await ssh(port, ownerKey, podId, ['echo', 'hello', '&&', 'echo', 'oops', '>&2'])
    expect(echo).toMatchObject({ code: 0, stdout: 'hello\n', stderr: 'oops\n' })
  })

  it('lets an admin in by pod id', async () => {
    const adminKey = makeKey(dir, 'admin')
    await server.request('POST', '/api/ssh-keys', {
      token: server.adminToken,
      body: { publicKey: adminKey.publicKey },
    })
    expect((await ssh(port, adminKey, podId, ['exit 5'])).code).toBe(5)
    // A name means one of the admin's own pods, not someone else's.
    const byName = await refusal(adminKey, 'shell-pod')
    expect(byName.code).toBe(255)
    expect(byName.stderr).toContain('You have no pod "shell-pod"')
  })

  it('refuses, with a message, another user, an unregistered key, a password, an unknown pod', async () => {
    const foreign = await refusal(otherKey, podId)
    expect(foreign.code).toBe(255)
    expect(foreign.stderr).toContain(`You have no pod "${podId}"`)
    const foreignByName = await refusal(otherKey, 'shell-pod')
    expect(foreignByName.stderr).toContain('You have no pod "shell-pod"')

    const stranger = makeKey(dir, 'stranger')
    const unregistered = await refusal(stranger, podId)
    expect(unregistered.code).toBe(255)
    expect(unregistered.stderr).toMatch(/The key SHA256:\S+ is not registered on any active NeuroPod account/)

    const password = await refusal(null, podId, [
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
    ])
    expect(password.code).toBe(255)
    expect(password.stderr).toContain('NeuroPod does not accept passwords over SSH')

    const unknown = await refusal(ownerKey, 'ffffffffffffffff')
    expect(unknown.code).toBe(255)
    expect(unknown.stderr).toContain('You have no pod "ffffffffffffffff"')
  })

  it('says so when the pod is not running', async () => {
    const stopped = await newPod('stopped-pod')
    await server.request('POST', `/api/pods/${stopped}/stop`, { token: owner.token })
    await eventually(async () => (await podStatus(stopped)) === 'stopped')
    const res = await ssh(port, ownerKey, stopped, ['true'])
    expect(res.code).toBe(1)
    // The runtime's own reason (the simulation: "no simulated container (it is stopped)")
    expect(res.stderr).toMatch(/stopped|not running/i)
  })

  it('records every session for admins, with who, from where and how long', async () => {
    const list = await server.request('GET', `/api/admin/shell-sessions?podId=${podId}&limit=100`, {
      token: server.adminToken,
    })
    expect(list.status, JSON.stringify(list.body)).toBe(200)
    const sessions = list.body.data as {
      kind: string
      detail: string
      userEmail: string
      remoteAddress: string
      endedAt: string | null
      durationSeconds: number | null
    }[]
    expect(sessions.length).toBeGreaterThanOrEqual(4)
    expect(sessions.every((s) => s.kind === 'ssh')).toBe(true)
    expect(sessions.map((s) => s.detail)).toEqual(expect.arrayContaining(['shell', 'exec']))
    expect(sessions.some((s) => s.userEmail === owner.email)).toBe(true)
    expect(
      sessions.every((s) => s.remoteAddress === '127.0.0.1' || s.remoteAddress === '::ffff:127.0.0.1'),
    ).toBe(true)
    await eventually(async () => {
      const again = await server.request('GET', `/api/admin/shell-sessions?podId=${podId}&open=true`, {
        token: server.adminToken,
      })
      return again.body.data.length === 0
    })
    expect((await server.request('GET', '/api/admin/shell-sessions', { token: owner.token })).status).toBe(
      403,
    )
  })

  it('closes the sessions signed in with a key when it is deleted, and only those', async () => {
    const spare = makeKey(dir, 'spare')
    const added = await server.request('POST', '/api/ssh-keys', {
      token: owner.token,
      body: { publicKey: spare.publicKey, name: 'spare' },
    })
    expect(added.status).toBe(201)
    await eventually(async () => server.platform.shells.openCount(podId) === 0)
    const withSpare = interactive(port, spare, podId)
    const withOwner = interactive(port, ownerKey, podId)
    await withSpare.waitFor(/\$ $/)
    await withOwner.waitFor(/\$ $/)
    await eventually(async () => server.platform.shells.openCount(podId) === 2)
    const deleted = await server.request('DELETE', `/api/ssh-keys/${added.body.data.id}`, {
      token: owner.token,
    })
    expect(deleted.status).toBe(200)
    await withSpare.waitFor(/The SSH key you signed in with was deleted/)
    await withSpare.closed
    await eventually(async () => server.platform.shells.openCount(podId) === 1)
    withOwner.write('echo still-$((40+2))\n')
    await withOwner.waitFor(/still-42/)
    withOwner.write('exit\n')
    await withOwner.closed
    const refused = await refusal(spare, podId)
    expect(refused.code).toBe(255)
  })

  it('closes at once when the user is suspended', async () => {
    const session = interactive(port, ownerKey, podId)
    await session.waitFor(/\$ $/)
    // An earlier test's session may still be recording its end (a database write): wait for it.
    await eventually(async () => server.platform.shells.openCount(podId) === 1)
    await server.request('POST', '/api/auth/users/suspend', {
      token: server.adminToken,
      body: { userId: owner.id, reason: 'tests' },
    })
    await session.waitFor(/Your access was revoked/)
    await session.closed
    await eventually(async () => server.platform.shells.openCount(podId) === 0)
    // A suspended account's key signs nobody in.
    const refused = await refusal(ownerKey, podId)
    expect(refused.code).toBe(255)
    expect(refused.stderr).toMatch(/is not registered on any active NeuroPod account/)
  })
})
