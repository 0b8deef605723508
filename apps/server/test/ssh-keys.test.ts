import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePublicKey } from '../src/ssh/public-key.js'
import { createTestServer, type TestServer } from './harness.js'

/** Keys made by the real ssh-keygen, so formats and fingerprints are OpenSSH's own. */
function keygen(
  dir: string,
  name: string,
  args: string[],
): { pub: string; priv: string; fingerprint: string } {
  const file = path.join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', `${name}@test`, '-f', file, ...args])
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`], {
    encoding: 'utf8',
  })
    .trim()
    .split(/\s+/)[1]!
  return { pub: fs.readFileSync(`${file}.pub`, 'utf8'), priv: fs.readFileSync(file, 'utf8'), fingerprint }
}

describe('SSH keys', () => {
  let server: TestServer
  let dir: string
  let owner: { token: string; id: string }
  let other: { token: string; id: string }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-sshkeys-'))
    server = await createTestServer()
    owner = await server.newClient('keys')
    other = await server.newClient('keys-other')
  })
  afterAll(async () => {
    await server?.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('parses ed25519, ECDSA and RSA keys with the fingerprint ssh-keygen prints', () => {
    for (const [name, args, algorithm] of [
      ['ed', ['-t', 'ed25519'], 'ssh-ed25519'],
      ['ec256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256'],
      ['ec521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521'],
      ['rsa', ['-t', 'rsa', '-b', '2048'], 'ssh-rsa'],
    ] as const) {
      const key = keygen(dir, name, [...args])
      const parsed = parsePublicKey(key.pub)
      expect(parsed.algorithm).toBe(algorithm)
      expect(parsed.fingerprint).toBe(key.fingerprint)
      expect(parsed.comment).toBe(`${name}@test`)
    }
  })

  it('adds, lists and deletes a key; the name defaults to the comment', async () => {
    const key = keygen(dir, 'mine', ['-t', 'ed25519'])
    const added = await server.request('POST', '/api/ssh-keys', {
      token: owner.token,
      body: { publicKey: key.pub },
    })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect(added.body.data).toMatchObject({
      name: 'mine@test',
      algorithm: 'ssh-ed25519',
      fingerprint: key.fingerprint,
      comment: 'mine@test',
      lastUsedAt: null,
    })
    const list = await server.request('GET', '/api/ssh-keys', { token: owner.token })
    expect(list.body.data.map((k: { id: string }) => k.id)).toEqual([added.body.data.id])
    expect(JSON.stringify(list.body)).not.toContain('AAAA')
    expect((await server.request('GET', '/api/ssh-keys', { token: other.token })).body.data).toEqual([])

    const foreign = await server.request('DELETE', `/api/ssh-keys/${added.body.data.id}`, {
      token: other.token,
    })
    expect(foreign.status).toBe(404)
    const deleted = await server.request('DELETE', `/api/ssh-keys/${added.body.data.id}`, {
      token: owner.token,
    })
    expect(deleted.status).toBe(200)
    expect((await server.request('GET', '/api/ssh-keys', { token: owner.token })).body.data).toEqual([])
  })

  it('refuses a key registered already, on this account or another (409)', async () => {
    const key = keygen(dir, 'twice', ['-t', 'ed25519'])
    const first = await server.request('POST', '/api/ssh-keys', {
      token: owner.token,
      body: { publicKey: key.pub, name: 'laptop' },
    })
    expect(first.status).toBe(201)
    expect(first.body.data.name).toBe('laptop')
    for (const token of [owner.token, other.token]) {
      const again = await server.request('POST', '/api/ssh-keys', { token, body: { publicKey: key.pub } })
      expect(again.status).toBe(409)
      expect(again.body.message).toContain(key.fingerprint)
    }
  })

  it('answers 400 naming the problem for keys it cannot use', async () => {
    const weak = keygen(dir, 'weak', ['-t', 'rsa', '-b', '1024'])
    const cases: [string, RegExp][] = [
      [weak.pub, /at least 2048 bits; this one has 1024/],
      [weak.priv, /private key/],
      [keygen(dir, 'both', ['-t', 'ed25519']).pub.repeat(2), /one public key/],
      ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBroken', /damaged or incomplete/],
      ['hello world', /Not an OpenSSH public key/],
      ['ssh-dss AAAAB3NzaC1kc3MAAACBAP', /DSA keys are too weak/],
      ['sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t', /FIDO/],
      ['   ', /empty/],
    ]
    for (const [publicKey, message] of cases) {
      const res = await server.request('POST', '/api/ssh-keys', { token: owner.token, body: { publicKey } })
      expect(res.status, publicKey).toBe(400)
      expect(res.body.message).toMatch(message)
    }
    const generated = ssh2.utils.generateKeyPairSync('ed25519')
    const noKey = await server.request('POST', '/api/ssh-keys', { token: owner.token, body: {} })
    expect(noKey.status).toBe(400)
    const ok = await server.request('POST', '/api/ssh-keys', {
      token: owner.token,
      body: { publicKey: generated.public },
    })
    expect(ok.status).toBe(201)
  })

  it('says the gateway is off when NEUROPOD_SSH_PORT is unset outside development', async () => {
    const info = await server.request('GET', '/api/ssh/info')
    expect(info.status).toBe(200)
    expect(info.body.data).toEqual({
      enabled: false,
      host: null,
      port: null,
      hostKeyFingerprint: null,
      hostKeyAlgorithm: null,
    })
  })
})
