import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { podRequest } from '../../server/test/fakes/pod-client.js'
import { createTestServer, type TestServer } from '../../server/test/harness.js'
import { run } from '../src/main.js'

describe('neuropod CLI', () => {
  let server: TestServer
  let env: NodeJS.ProcessEnv
  let email: string

  beforeAll(async () => {
    server = await createTestServer()
    email = (await server.newClient('cli')).email
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-cli-'))
    env = { NEUROPOD_CONFIG: path.join(dir, 'config.json') }
  })
  afterAll(() => server?.stop())

  async function cli(...argv: string[]) {
    const out: string[] = []
    const err: string[] = []
    const code = await run(argv, { env, out: (t) => out.push(t), err: (t) => err.push(t) })
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  /** `pods create` of a CPU busybox pod serving port 8080, waited for, as JSON. */
  const createPod = (name: string, ...more: string[]) =>
    cli(
      'pods',
      'create',
      '--name',
      name,
      '--image',
      'busybox:latest',
      '--gpu',
      'cpu',
      '--port',
      '8080',
      ...more,
      '--wait',
      '--json',
    )

  it('signs in, saves the credential privately, and knows who it is', async () => {
    const login = await cli('login', '--url', server.url, '--email', email, '--password', 'client-password-1')
    expect(login.code, login.err).toBe(0)
    expect(fs.statSync(env.NEUROPOD_CONFIG!).mode & 0o777).toBe(0o600)
    const me = await cli('whoami', '--json')
    expect(JSON.parse(me.out)).toMatchObject({ email, role: 'client' })
  })

  it('creates a pod, waits for it, lists it, shows URLs and logs, stops and deletes it', async () => {
    const created = await createPod('cli-pod', '--env', 'A=1')
    expect(created.code, created.err).toBe(0)
    const pod = JSON.parse(created.out)
    expect(pod).toMatchObject({ podName: 'cli-pod', status: 'running', env: { A: '1' } })
    expect(created.err).toMatch(/Started/)
    const list = await cli('pods')
    expect(list.out).toContain(pod.podId)
    expect(list.out).toContain('running')
    expect((await cli('pods', 'urls', pod.podId)).out).toContain(pod.httpServices[0].url)
    const logs = await cli('pods', 'logs', pod.podId, '--tail', '5', '--json')
    expect(
      logs.out
        .split('\n')
        .map((l) => JSON.parse(l).message)
        .join(' '),
    ).toMatch(/simulation/i)
    expect((await cli('pods', 'stop', pod.podId, '--wait')).out).toContain('now stopped')
    expect((await cli('pods', 'delete', pod.podId, '--delete-volume', '--wait')).out).toContain('now gone')
    expect((await cli('pods', 'get', pod.podId)).code).toBe(1)
  })

  it('accepts --json on the short forms of list commands', async () => {
    const pods = await cli('pods', '--json')
    expect(pods.code, pods.err).toBe(0)
    expect(Array.isArray(JSON.parse(pods.out))).toBe(true)
    const keys = await cli('keys', '--json')
    expect(keys.code, keys.err).toBe(0)
    expect(Array.isArray(JSON.parse(keys.out))).toBe(true)
  })

  it('prints a one-time link that opens the pod URL signed in', async () => {
    const created = await createPod('cli-open')
    expect(created.code, created.err).toBe(0)
    const pod = JSON.parse(created.out)
    const json = await cli('pods', 'open', pod.podId, '--json')
    expect(json.code, json.err).toBe(0)
    const link = JSON.parse(json.out)
    expect(new URL(link.url).host).toBe(new URL(pod.httpServices[0].url).host)
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now())
    const text = await cli('pods', 'open', pod.podId, '8080', '--path', '/tree')
    expect(text.code, text.err).toBe(0)
    const url = new URL(text.out.split('\n')[0]!)
    expect(url.pathname).toBe('/__neuropod/auth')
    expect(url.searchParams.get('next')).toBe('/tree')
    // The link works once.
    const follow = () =>
      podRequest(server.url, url.host, url.pathname + url.search, { headers: { accept: 'text/html' } })
    const first = await follow()
    expect(first.status).toBe(302)
    expect(first.headers.location).toBe('/tree')
    expect((await follow()).status).toBe(400)
    const noPort = await cli('pods', 'open', pod.podId, '9999')
    expect(noPort.code).toBe(1)
    expect(noPort.err).toMatch(/no HTTP port 9999/)
  })

  it('sends an id as one path segment, so it can never reach another endpoint', async () => {
    const escaped = await cli('pods', 'get', '../auth/me')
    expect(escaped.code).toBe(1)
    expect(escaped.err).toBe('Error: Pod not found')
    const revoke = await cli('keys', 'revoke', '../../pods')
    expect(revoke.code).toBe(1)
    expect(revoke.err).toBe('Error: API key not found')
    // "." and ".." are path steps to any URL parser, even percent-encoded: not ids at all.
    const dots = await cli('pods', 'events', '..')
    expect(dots.code).toBe(2)
    expect(dots.err).toMatch(/^"\.\." is not a valid id/)
  })

  it('--wait on stop and start shows the events that follow the request, not the history', async () => {
    const created = await createPod('cli-wait')
    expect(created.code, created.err).toBe(0)
    expect(created.err).toContain('Created:')
    const { podId } = JSON.parse(created.out) as { podId: string }
    const stop = await cli('pods', 'stop', podId, '--wait')
    expect(stop.code, stop.err).toBe(0)
    expect(stop.err).toContain('StopRequested:')
    expect(stop.err).not.toContain('Created:')
    const start = await cli('pods', 'start', podId, '--wait')
    expect(start.code, start.err).toBe(0)
    expect(start.err).toContain('StartRequested:')
    expect(start.err).not.toContain('StopRequested:')
    expect(start.err).not.toContain('Created:')
    expect((await cli('pods', 'delete', podId, '--delete-volume', '--wait')).code).toBe(0)
  })

  it('creates a pod with an idle timeout and keeps it running with `pods extend`', async () => {
    const created = await createPod('cli-idle', '--idle-timeout', '20', '--max-runtime', '600')
    expect(created.code, created.err).toBe(0)
    const pod = JSON.parse(created.out)
    expect(pod.idle).toMatchObject({ timeoutMinutes: 20, maxRuntimeMinutes: 600 })
    await server.platform.idleEvaluator.pass()
    const before = (await server.request('GET', `/api/pods/${pod.podId}`, { token: server.adminToken })).body
      .data
    const extended = await cli('pods', 'extend', pod.podId, '--json')
    expect(extended.code, extended.err).toBe(0)
    const result = JSON.parse(extended.out)
    expect(result.extendedByMinutes).toBe(20)
    expect(new Date(result.idleDeadline).getTime() - new Date(before.idle.idleDeadline).getTime()).toBe(
      20 * 60_000,
    )
    expect((await cli('pods', 'extend', pod.podId)).out).toContain('kept running for 20 more min')
    const never = await createPod('cli-never', '--idle-timeout', 'never')
    expect(JSON.parse(never.out).idle.timeoutMinutes).toBeNull()
    // Nothing to extend without a timeout: the server's 409 is the CLI's error.
    const refused = await cli('pods', 'extend', JSON.parse(never.out).podId)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('nothing to extend')
    expect(
      (await cli('pods', 'create', '--name', 'x', '--gpu', 'cpu', '--image', 'a', '--idle-timeout', 'soon'))
        .code,
    ).toBe(2)
    for (const id of [pod.podId, JSON.parse(never.out).podId])
      await cli('pods', 'delete', id, '--delete-volume', '--wait')
  })

  it("reports the server's validation problems and usage mistakes", async () => {
    const bad = await cli(
      'pods',
      'create',
      '--name',
      'x',
      '--image',
      'busybox:latest',
      '--gpu',
      'rtx-9999',
      '--port',
      '21',
    )
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('gpu: Unknown GPU type')
    expect(bad.err).toContain('ports.0')
    expect((await cli('pods', 'create', '--name', 'x')).code).toBe(2)
    expect(
      (await cli('pods', 'create', '--name', 'x', '--gpu', 'cpu', '--image', 'a', '--disk', 'big')).code,
    ).toBe(2)
    expect((await cli('frobnicate')).code).toBe(2)
  })

  it('creates an API key and signs in with it', async () => {
    const created = await cli('keys', 'create', 'laptop', '--json')
    const key = JSON.parse(created.out).key as string
    expect(key).toMatch(/^npk_/)
    expect((await cli('login', '--url', server.url, '--api-key', key)).code).toBe(0)
    expect((await cli('balance')).out).toMatch(/Balance €\d+\.\d\d/)
    expect((await cli('gpus')).out).toContain('rtx-4050')
    expect((await cli('templates')).out).toContain('Jupyter Lab')
  })
  it('adds, lists and deletes SSH keys from a .pub file; ssh says when the gateway is off', async () => {
    expect(
      (await cli('login', '--url', server.url, '--email', email, '--password', 'client-password-1')).code,
    ).toBe(0)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-cli-ssh-'))
    const file = path.join(dir, 'id.pub')
    fs.writeFileSync(file, `${ssh2.utils.generateKeyPairSync('ed25519').public} me@laptop\n`)
    const added = await cli('ssh-keys', 'add', file, '--name', 'laptop', '--json')
    expect(added.code, added.err).toBe(0)
    const key = JSON.parse(added.out)
    expect(key).toMatchObject({ name: 'laptop', algorithm: 'ssh-ed25519' })
    expect((await cli('ssh-keys')).out).toContain(key.fingerprint)
    const bad = await cli('ssh-keys', 'add', path.join(dir, 'missing.pub'))
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('Cannot read')
    fs.writeFileSync(file, 'not a key')
    const invalid = await cli('ssh-keys', 'add', file)
    expect(invalid.code).toBe(1)
    expect(invalid.err).toContain('Not an OpenSSH public key')
    expect((await cli('ssh-keys', 'delete', key.id)).code).toBe(0)
    expect(JSON.parse((await cli('ssh-keys', '--json')).out)).toEqual([])
    const off = await cli('ssh', 'some-pod')
    expect(off.code).toBe(1)
    expect(off.err).toContain('SSH is not enabled')
  })
  it('lists, creates, renames, grows and deletes volumes, and attaches one to a pod', async () => {
    const created = await cli('volumes', 'create', 'data', '--size', '3', '--json')
    expect(created.code, created.err).toBe(0)
    const volume = JSON.parse(created.out)
    expect(volume).toMatchObject({ name: 'data', sizeGb: 3, attachedPod: null })
    const listed = await cli('volumes')
    expect(listed.out).toMatch(/NAME\s+SIZE\s+USED\s+ATTACHED TO\s+COST\/H/)
    expect(listed.out).toContain('data')
    expect(
      JSON.parse((await cli('volumes', '--json')).out).map((v: { volumeId: string }) => v.volumeId),
    ).toContain(volume.volumeId)
    const renamed = await cli('volumes', 'rename', volume.volumeId, 'datasets', '--json')
    expect(JSON.parse(renamed.out).name).toBe('datasets')
    const grown = await cli('volumes', 'resize', volume.volumeId, '--size', '5')
    expect(grown.code, grown.err).toBe(0)
    expect(grown.out).toContain('5 GB (resize: recorded only)')
    const shrink = await cli('volumes', 'resize', volume.volumeId, '--size', '2')
    expect(shrink.code).toBe(1)
    expect(shrink.err).toMatch(/only grow/)
    expect((await cli('volumes', 'resize', volume.volumeId)).code).toBe(2) // --size missing

    const pod = JSON.parse(
      (await createPod('on-volume', '--volume-id', volume.volumeId, '--mount', '/data')).out,
    )
    expect(pod).toMatchObject({ volumeId: volume.volumeId, volumePath: '/data' })
    const got = await cli('volumes', 'get', volume.volumeId)
    expect(got.out).toMatch(/attached:\s+on-volume/)
    const refused = await cli('volumes', 'delete', volume.volumeId)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('on-volume')
    expect((await cli('pods', 'delete', pod.podId, '--wait')).code).toBe(0)
    // The pod is gone, the volume stays (and is free again)
    expect(JSON.parse((await cli('volumes', 'get', volume.volumeId, '--json')).out).attachedPod).toBeNull()
    const ids = async () =>
      JSON.parse((await cli('volumes', '--json')).out).map((v: { volumeId: string }) => v.volumeId)
    expect((await cli('volumes', 'delete', volume.volumeId)).out).toBe('Deleted.')
    expect(await ids()).not.toContain(volume.volumeId)

    const other = JSON.parse((await createPod('own-volume')).out)
    expect(await ids()).toContain(other.volumeId)
    expect((await cli('pods', 'delete', other.podId, '--delete-volume', '--wait')).code).toBe(0)
    expect(await ids()).not.toContain(other.volumeId)
    expect((await cli('pods', 'stop', other.podId, '--delete-volume')).code).toBe(2)
  })
})
