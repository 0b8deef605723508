import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ensureBuilt,
  hasChromium,
  launchBrowser,
  type RunningPlatform,
  startPlatform,
  webRoot,
} from './harness'

/**
 * The original's two-origin layout in a real browser: pages served by a tiny static server on
 * other ports call the API with credentials and open sockets. One origin is listed in
 * NEUROPOD_CORS_ORIGINS, the other is not (both are same-site with the API, so the session cookie
 * travels to it either way: only CORS and the socket origin check keep the second one out).
 */

const SOCKET_IO_CLIENT = path.resolve(webRoot, '../../node_modules/socket.io-client/dist/socket.io.min.js')
const PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><script src="/socket.io.min.js"></script></head><body>lab app</body></html>'

function staticServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/socket.io.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(fs.readFileSync(SOCKET_IO_CLIENT))
      return
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(PAGE)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}
const portOf = (server: http.Server) => (server.address() as AddressInfo).port

/** In the page: an API call with the browser's credentials; a CORS refusal surfaces as a TypeError. */
function callApi(page: Page, api: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  return page.evaluate(
    async ({ api, init }) => {
      try {
        const res = await fetch(api, {
          method: init.method ?? 'GET',
          credentials: init.token ? 'omit' : 'include',
          headers: {
            ...(init.body ? { 'content-type': 'application/json' } : {}),
            ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          },
          ...(init.body ? { body: JSON.stringify(init.body) } : {}),
        })
        return { ok: true as const, status: res.status, body: await res.json() }
      } catch (error) {
        return { ok: false as const, error: String(error) }
      }
    },
    { api, init },
  )
}

/** In the page: a Socket.IO connection to the API with the page's cookies (polling, then upgrade). */
function openSocket(page: Page, url: string) {
  return page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const io = (window as unknown as { io: (u: string, o: object) => SocketLike }).io
        const socket = io(url, { withCredentials: true, reconnection: false, timeout: 10_000 })
        socket.on('connected', (e: { message: string }) => {
          resolve(`connected: ${e.message}`)
          socket.disconnect()
        })
        socket.on('connect_error', (e: { message: string }) => resolve(`refused: ${e.message}`))
      }),
    url,
  )
}
interface SocketLike {
  on(event: string, handler: (e: { message: string }) => void): void
  disconnect(): void
}

describe.skipIf(!hasChromium)('another origin in Chromium', () => {
  let platform: RunningPlatform
  let browser: Browser
  let listed: http.Server
  let unlisted: http.Server
  let listedOrigin = ''
  let unlistedOrigin = ''
  const email = `cross-${Date.now()}@e2e.test`
  const password = 'cross-origin-password'

  beforeAll(async () => {
    await ensureBuilt()
    ;[listed, unlisted] = await Promise.all([staticServer(), staticServer()])
    listedOrigin = `http://localhost:${portOf(listed)}`
    unlistedOrigin = `http://localhost:${portOf(unlisted)}`
    platform = await startPlatform({ NEUROPOD_CORS_ORIGINS: listedOrigin, NEUROPOD_LOG_LEVEL: 'info' })
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    listed?.close()
    unlisted?.close()
  })

  const visit = async (origin: string) => {
    const context = await browser.newContext()
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    await page.goto(`${origin}/`)
    return { context, page }
  }

  it('lets the listed origin sign in and call the API with the cookie; the browser refuses another origin', async () => {
    const { context, page } = await visit(listedOrigin)
    const registered = await callApi(page, `${platform.url}/api/auth/register`, {
      method: 'POST',
      body: { email, password, name: 'Cross Origin' },
    })
    expect(registered).toMatchObject({ ok: true, status: 201 })
    // The cookie set by that cross-origin response now signs the page's requests in.
    const me = await callApi(page, `${platform.url}/api/auth/me`)
    expect(me).toMatchObject({ ok: true, status: 200, body: { data: { email } } })
    const key = await callApi(page, `${platform.url}/api/auth/api-keys`, {
      method: 'POST',
      body: { name: 'from the lab app' },
    })
    expect(key).toMatchObject({ ok: true, status: 201 })

    // Same browser, same cookie jar, a page on an origin that is not listed.
    const other = await context.newPage()
    await other.goto(`${unlistedOrigin}/`)
    const read = await callApi(other, `${platform.url}/api/auth/me`)
    expect(read.ok, JSON.stringify(read)).toBe(false)
    const write = await callApi(other, `${platform.url}/api/auth/api-keys`, {
      method: 'POST',
      body: { name: 'stolen' },
    })
    expect(write.ok).toBe(false)
    const keys = await callApi(page, `${platform.url}/api/auth/api-keys`)
    expect(keys.ok && (keys.body.data as { name: string }[]).map((k) => k.name)).toEqual(['from the lab app'])
    await context.close()
  })

  it('opens a socket from the listed origin and refuses one from another origin', async () => {
    const { context, page } = await visit(listedOrigin)
    const login = await callApi(page, `${platform.url}/api/auth/login`, {
      method: 'POST',
      body: { email, password },
    })
    expect(login).toMatchObject({ ok: true, status: 200 })
    expect(await openSocket(page, platform.url)).toBe('connected: Connected as Cross Origin')

    const other = await context.newPage()
    await other.goto(`${unlistedOrigin}/`)
    expect(await openSocket(other, platform.url)).toMatch(/^refused/)
    await expect.poll(() => platform.logs()).toContain('socket refused')
    await context.close()
  })

  it('opens a private pod URL for a bearer-only client through a one-time link, once', async () => {
    const login = await fetch(`${platform.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    })
    const { token } = (await login.json()) as { token: string }
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const created = await fetch(`${platform.url}/api/pods`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ name: 'linked', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] }),
    })
    expect(created.status).toBe(201)
    const podId = ((await created.json()) as { data: { podId: string } }).data.podId
    let podUrl = ''
    await expect
      .poll(
        async () => {
          const res = await fetch(`${platform.url}/api/pods/${podId}`, { headers: bearer })
          const pod = ((await res.json()) as { data: { status: string; httpServices: { url: string }[] } })
            .data
          podUrl = pod.httpServices[0]?.url ?? ''
          return pod.status
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe('running')

    // The lab app holds only the token: it asks for the link from its own origin, without cookies.
    const app = await visit(listedOrigin)
    const link = await callApi(app.page, `${platform.url}/api/pods/${podId}/ports/8080/open-link`, {
      method: 'POST',
      body: { path: '/lab' },
      token,
    })
    expect(link).toMatchObject({ ok: true, status: 200 })
    const url = (link as { body: { data: { url: string } } }).body.data.url
    await app.context.close()

    // Without the link, a browser with no session is sent to sign in.
    const stranger = await browser.newContext()
    const straight = await stranger.newPage()
    await straight.goto(podUrl)
    await expect.poll(() => new URL(straight.url()).pathname).toBe('/login')
    expect(new URL(straight.url()).searchParams.get('next')).toContain('/api/proxy/authorize')
    // Signing in there continues to the pod URL (`/login?next=` is honoured).
    await straight.getByLabel('E-mail').fill(email)
    await straight.getByLabel('Password').fill(password)
    await straight.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => new URL(straight.url()).host, { timeout: 20_000 }).toBe(new URL(podUrl).host)
    await expect.poll(() => straight.textContent('body')).toContain('Simulated pod')
    await stranger.close()

    // A browser with no session at all opens the private port through the link.
    const opener = await browser.newContext()
    const tab = await opener.newPage()
    await tab.goto(url)
    expect(new URL(tab.url()).host).toBe(new URL(podUrl).host)
    expect(new URL(tab.url()).pathname).toBe('/lab')
    await expect.poll(() => tab.textContent('body')).toContain('Simulated pod')
    expect(await tab.textContent('body')).toContain('GET /lab')
    await opener.close()

    // The same link again, from another browser: refused.
    const replayer = await browser.newContext()
    const again = await replayer.newPage()
    const replay = await again.goto(url)
    expect(replay?.status()).toBe(400)
    expect(await again.textContent('body')).toContain('already used')
    expect((await replayer.cookies()).length).toBe(0)
    await replayer.close()
  })
})
