import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestServer, type TestServer } from './harness.js'

describe('serving the web UI', () => {
  let server: TestServer
  let dist: string
  beforeAll(async () => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-dist-'))
    fs.mkdirSync(path.join(dist, 'assets'))
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>NeuroPod UI</title>')
    fs.writeFileSync(path.join(dist, 'assets/app.js'), 'console.log(1)')
    server = await createTestServer({ env: { NEUROPOD_WEB_DIST: dist } })
  })
  afterAll(async () => {
    await server?.stop()
    fs.rmSync(dist, { recursive: true, force: true })
  })

  it('serves index.html at / and for client-side routes', async () => {
    for (const url of ['/', '/pods', '/admin/users?page=2', '/login?next=%2Fapi%2Fproxy%2Fauthorize']) {
      const res = await server.request('GET', url, { headers: { accept: 'text/html' } })
      expect(res.status, url).toBe(200)
      expect(String(res.headers['content-type'])).toContain('text/html')
    }
  })

  it('serves the built assets', async () => {
    const res = await server.request('GET', '/assets/app.js')
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toContain('javascript')
  })

  it('keeps JSON 404s for the API and for non-page requests', async () => {
    const api = await server.request('GET', '/api/nope', { headers: { accept: 'text/html' } })
    expect(api.status).toBe(404)
    expect(api.body).toMatchObject({ success: false, code: 'NOT_FOUND' })
    const post = await server.request('POST', '/pods', { body: {} })
    expect(post.status).toBe(404)
    expect(post.body).toMatchObject({ code: 'NOT_FOUND' })
  })
})
