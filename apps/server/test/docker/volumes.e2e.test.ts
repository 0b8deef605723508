import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import { Readable } from 'node:stream'
import { extract, pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, eventually, type Json, type TestServer } from '../harness.js'
import { type EngineClient, TEST_IMAGE, testEngine } from './engine.js'

/**
 * Volumes that outlive pods (ADR 0016) on a real engine (Podman in CI): data written by one pod
 * is read by a pod of another GPU type after the first is deleted; files go in and out through
 * the API byte for byte; nothing escapes the mount; one pod per volume.
 */

const engine = await testEngine('volumes on a real engine')

function tarOf(
  entries: { name: string; body?: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string }[],
) {
  const p = pack()
  for (const e of entries) {
    if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname! })
    else if (e.type === 'directory') p.entry({ name: e.name, type: 'directory' })
    else p.entry({ name: e.name }, e.body ?? '')
  }
  p.finalize()
  return Readable.from(p)
}

async function buffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer))
  return Buffer.concat(chunks)
}

/** The files in a tar, by name. */
async function untar(data: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  const ex = extract()
  const done = (async () => {
    for await (const entry of ex) {
      const body = await buffer(entry as unknown as Readable)
      if (entry.header.type === 'file') files.set(entry.header.name, body)
    }
  })()
  Readable.from([data]).pipe(ex as unknown as NodeJS.WritableStream)
  await done
  return files
}

function get(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, timeout: 5000 }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          body += c
        })
        res.on('end', () => resolve(body))
      })
      .on('error', reject)
  })
}

describe.skipIf(!engine)('volumes on a real engine', () => {
  let server: TestServer
  let client: { token: string; id: string }
  const docker = engine as EngineClient

  beforeAll(async () => {
    server = await createTestServer({
      env: {
        NEUROPOD_RUNTIME: 'docker',
        NEUROPOD_DOCKER_SOCKET: docker.socketPath,
        NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
        NEUROPOD_GPUS: '0:rtx-4050',
        NEUROPOD_DOCKER_GPU_MODE: 'env',
        NEUROPOD_VOLUME_MAX_TRANSFER_MB: '64',
      },
    })
    client = await server.newClient('volumes')
  }, 120_000)
  afterAll(async () => {
    const instance = server && (await server.platform.runtime.health()).details.instance
    await server?.stop()
    if (typeof instance === 'string') await docker.removeInstance(instance)
  })

  const pod = async (podId: string): Promise<Json> =>
    (await server.request('GET', `/api/pods/${podId}`, { token: client.token })).body.data
  const running = (podId: string) =>
    eventually(async () => {
      const p = await pod(podId)
      return p?.status === 'running' ? p : null
    }, 60_000)
  const files = (
    volumeId: string,
    path: string,
    init: { method: string; body?: Readable | Buffer; type?: string },
  ) =>
    fetch(`${server.url}/api/volumes/${volumeId}/files?path=${encodeURIComponent(path)}`, {
      method: init.method,
      headers: {
        authorization: `Bearer ${client.token}`,
        ...(init.type ? { 'content-type': init.type } : {}),
      },
      ...(init.body
        ? {
            body: Buffer.isBuffer(init.body)
              ? init.body
              : (Readable.toWeb(init.body as Readable) as ReadableStream),
            duplex: 'half',
          }
        : {}),
    } as RequestInit)

  it('keeps what pod 1 wrote for pod 2 of another GPU type; moves 20 MB both ways intact; refuses escapes and a second pod', async () => {
    const created = await server.request('POST', '/api/volumes', {
      token: client.token,
      body: { name: 'work', size: 2 },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const volumeId: string = created.body.data.volumeId
    const volumeName = `neuropod-vol-${volumeId}`
    expect(await docker.volumeExists(volumeName)).toBe(true)

    const first = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'writer',
        dockerImage: TEST_IMAGE,
        gpu: 'cpu',
        ports: [8080],
        volumeId,
        startCommand:
          'echo written-by-pod-1 > /workspace/note.txt; ln -sfn /etc /workspace/etc-link; exec httpd -f -p 8080 -h /workspace',
      },
    })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    const firstId: string = first.body.data.podId
    await running(firstId)

    // One pod per volume.
    const second = await server.request('POST', '/api/pods', {
      token: client.token,
      body: { name: 'intruder', dockerImage: TEST_IMAGE, gpu: 'cpu', ports: [8080], volumeId },
    })
    expect(second.status).toBe(409)
    expect(second.body.message).toContain('"writer"')

    // 20 MB up as one file and back as a tar: the same bytes.
    const data = randomBytes(20 * 1024 * 1024)
    const up = await files(volumeId, 'big/data.bin', {
      method: 'PUT',
      body: data,
      type: 'application/octet-stream',
    })
    expect(up.status, await up.clone().text()).toBe(200)
    expect(((await up.json()) as Json).data).toEqual({ bytes: data.length, entries: 1 })
    const down = await files(volumeId, 'big', { method: 'GET' })
    expect(down.status).toBe(200)
    expect(down.headers.get('content-type')).toBe('application/x-tar')
    const got = await untar(Buffer.from(await down.arrayBuffer()))
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
    expect(sha(got.get('big/data.bin')!)).toBe(sha(data))

    // A folder as a tar, with a link that stays inside.
    const folder = await files(volumeId, 'project', {
      method: 'PUT',
      body: tarOf([
        { name: 'src/', type: 'directory' },
        { name: 'src/main.py', body: 'print("hi")\n' },
        { name: 'latest', type: 'symlink', linkname: 'src/main.py' },
      ]),
      type: 'application/x-tar',
    })
    expect(folder.status, await folder.clone().text()).toBe(200)
    expect(((await folder.json()) as Json).data.entries).toBe(3)

    // Escapes: .., absolute paths, links out, writing through a link, and a symlink in the volume.
    const escapes = await Promise.all([
      files(volumeId, '../outside', {
        method: 'PUT',
        body: Buffer.from('x'),
        type: 'application/octet-stream',
      }),
      files(volumeId, '/etc/passwd', { method: 'GET' }),
      files(volumeId, '', {
        method: 'PUT',
        body: tarOf([{ name: '../evil', body: 'x' }]),
        type: 'application/x-tar',
      }),
      files(volumeId, '', {
        method: 'PUT',
        body: tarOf([{ name: '/abs', body: 'x' }]),
        type: 'application/x-tar',
      }),
      files(volumeId, '', {
        method: 'PUT',
        body: tarOf([{ name: 'out', type: 'symlink', linkname: '/etc' }]),
        type: 'application/x-tar',
      }),
      files(volumeId, '', {
        method: 'PUT',
        body: tarOf([
          { name: 'hop', type: 'symlink', linkname: 'project' },
          { name: 'hop/x', body: 'x' },
        ]),
        type: 'application/x-tar',
      }),
      files(volumeId, 'etc-link/passwd', {
        method: 'PUT',
        body: Buffer.from('x'),
        type: 'application/octet-stream',
      }),
      files(volumeId, 'etc-link', { method: 'GET' }),
    ])
    expect(escapes.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400])
    const messages = await Promise.all(escapes.map(async (r) => ((await r.json()) as Json).message as string))
    expect(messages[4]).toContain('links to an absolute path')
    expect(messages[6]).toBe('The path leads outside the volume (through a symlink)')

    // The volume's used bytes come from the engine where it measures them, else they say so.
    const view = (await server.request('GET', `/api/volumes/${volumeId}`, { token: client.token })).body.data
    if (view.usedBytes === null) expect(view.usageNote).toMatch(/^Not measured/)
    else expect(view.usedBytes).toBeGreaterThanOrEqual(0)

    // Delete pod 1, keeping the volume; pod 2 on the other GPU type reads what pod 1 wrote.
    await server.request('DELETE', `/api/pods/${firstId}`, { token: client.token })
    await eventually(
      async () =>
        (await server.request('GET', `/api/pods/${firstId}`, { token: client.token })).status === 404,
    )
    expect(await docker.volumeExists(volumeName)).toBe(true)
    const next = await server.request('POST', '/api/pods', {
      token: client.token,
      body: {
        name: 'reader',
        dockerImage: TEST_IMAGE,
        gpu: 'rtx-4050',
        ports: [8080],
        volumeId,
        mountPath: '/data',
        startCommand: 'exec httpd -f -p 8080 -h /data',
      },
    })
    expect(next.status, JSON.stringify(next.body)).toBe(201)
    const nextId: string = next.body.data.podId
    const reader = await running(nextId)
    expect(reader.gpu).toBe('rtx-4050')
    const endpoint = (await server.platform.runtime.endpoint(nextId, 8080))!
    expect(await get(endpoint.host, endpoint.port, '/note.txt')).toBe('written-by-pod-1\n')
    expect(await get(endpoint.host, endpoint.port, '/project/src/main.py')).toBe('print("hi")\n')
    const again = await files(volumeId, 'big/data.bin', { method: 'GET' })
    expect(sha((await untar(Buffer.from(await again.arrayBuffer()))).get('data.bin')!)).toBe(sha(data))

    // Deleting the pod with its volume removes the engine's volume.
    await server.request('DELETE', `/api/pods/${nextId}?keepVolume=false`, { token: client.token })
    await eventually(
      async () =>
        (await server.request('GET', `/api/volumes/${volumeId}`, { token: client.token })).status === 404,
      30_000,
    )
    expect(await docker.volumeExists(volumeName)).toBe(false)
  }, 240_000)
})
