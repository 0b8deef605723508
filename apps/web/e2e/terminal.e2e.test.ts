import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  ensureBuilt,
  hasChromium,
  launchBrowser,
  newUser,
  type RunningPlatform,
  screenshot,
  startPlatform,
} from './harness'

/**
 * The web terminal in Chromium: the Terminal action on a pod card opens the pod page's terminal
 * (xterm.js over the /terminal socket), typing reaches the pod's shell (the simulation's) and its
 * answer comes back; a stopped pod says why there is no terminal.
 */
describe.skipIf(!hasChromium)('web terminal', () => {
  let platform: RunningPlatform
  let browser: Browser

  beforeAll(async () => {
    await ensureBuilt()
    platform = await startPlatform({ NEUROPOD_SSH_PORT: 'off' })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
  })

  it('types echo $((6*7)) into a pod and sees 42', async () => {
    const user = await newUser(browser, platform.url)
    const { page } = user
    const email = `term-${Date.now()}@e2e.test`
    const registered = await page.request.post('/api/auth/register', {
      data: { email, password: 'terminal-password-1', name: 'Term' },
    })
    expect(registered.status()).toBe(201)
    const userId = (await registered.json()).user.id as string
    const admin = await (
      await fetch(`${platform.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      })
    ).json()
    await fetch(`${platform.url}/api/auth/users/credit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ userId, amount: 50, reason: 'e2e' }),
    })
    const created = await page.request.post('/api/pods', {
      data: { name: 'term-pod', dockerImage: 'busybox:latest', gpu: 'cpu', ports: [8080] },
    })
    expect(created.status()).toBe(201)
    const podId = (await created.json()).data.podId as string

    await page.goto('/pods')
    const card = page.locator('article.pod-card', { has: page.getByRole('heading', { name: 'term-pod' }) })
    await card.getByRole('link', { name: 'Terminal' }).click({ timeout: 60_000 })
    await page.waitForURL(`**/pods/${podId}?tab=terminal`)
    const screen = page.locator('[data-testid="terminal"] .xterm-rows')
    await expect.poll(async () => screen.textContent(), { timeout: 30_000 }).toContain('simulated:~$')
    await page.locator('[data-testid="terminal"] textarea').focus()
    await page.keyboard.type('echo $((6*7))')
    await page.keyboard.press('Enter')
    await expect
      .poll(async () => page.locator('[data-testid="terminal"] .xterm-rows > div').allTextContents(), {
        timeout: 30_000,
      })
      .toContainEqual(expect.stringMatching(/^42\s*$/))
    await screenshot(page, 'terminal')
    expect(user.errors).toEqual([])

    // Stopped: no shell, and the page says why.
    await page.request.post(`/api/pods/${podId}/stop`)
    await expect
      .poll(async () => page.getByText('The pod is not running: start it to open a terminal.').count(), {
        timeout: 60_000,
      })
      .toBeGreaterThan(0)
    await user.context.close()
  })
})
