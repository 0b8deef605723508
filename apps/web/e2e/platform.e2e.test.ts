import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  CHROMIUM,
  ensureBuilt,
  hasChromium,
  launchBrowser,
  newUser,
  type RunningPlatform,
  screenshot,
  startPlatform,
} from './harness'

if (!hasChromium)
  console.warn(
    `\n  ⚠ Browser end-to-end tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`,
  )

type User = Awaited<ReturnType<typeof newUser>>

const euros = (text: string | null) => Number((text ?? '').replace(/[^0-9.,-]/g, '').replace(',', '.'))
/** A failed step must not leave a modal open over the next one. */
async function closeDialogs(page: Page) {
  while (await page.locator('dialog[open]').count()) await page.keyboard.press('Escape')
}

/**
 * A phone shows the page without sideways scrolling, with its sections one under the other rather
 * than squeezed side by side; the screenshot goes to test-results/.
 */
async function expectFitsPhone(page: Page, path: string, ready: string, name: string) {
  await page.goto(path)
  await page.getByText(ready).first().waitFor()
  const { overflow, culprits, narrow } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth
    return {
      overflow: document.documentElement.scrollWidth - width,
      culprits: [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > width + 0.5)
        .slice(0, 8)
        .map(
          (e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`,
        ),
      narrow: [...document.querySelectorAll('main section')]
        .map((e) => ({ id: e.getAttribute('aria-labelledby') ?? e.className, width: e.clientWidth }))
        .filter((e) => e.width < width * 0.75),
    }
  })
  expect(
    overflow,
    `${path} is wider than the phone by ${overflow}px: ${culprits.join(', ')}`,
  ).toBeLessThanOrEqual(0)
  expect(narrow, `${path} squeezes sections`).toEqual([])
  await screenshot(page, name)
}

/** Every control has an accessible name (a label, aria-label or aria-labelledby, or its text). */
async function unlabelledControls(page: Page): Promise<{ checked: number; unlabelled: string[] }> {
  return page.evaluate(() => {
    const controls = [
      ...document.querySelectorAll<HTMLElement>('input, select, textarea, button, [role="button"], a[href]'),
    ]
      .filter((e) => !(e instanceof HTMLInputElement && e.type === 'hidden'))
      .filter((e) => e.getClientRects().length > 0 || e.closest('.sr-only'))
    const unlabelled = controls
      .filter((e) => {
        const labelled =
          (e as HTMLInputElement).labels?.length ||
          e.getAttribute('aria-label')?.trim() ||
          e
            .getAttribute('aria-labelledby')
            ?.split(' ')
            .some((id) => document.getElementById(id)?.textContent?.trim()) ||
          e.getAttribute('title')?.trim()
        const named = ['BUTTON', 'A'].includes(e.tagName) || e.getAttribute('role') === 'button'
        return !labelled && !(named && e.textContent?.trim())
      })
      .map((e) => e.outerHTML.slice(0, 120))
    return { checked: controls.length, unlabelled }
  })
}

/** Template cards are labels around a radio, as a person clicks them. */
const pickTemplate = (page: Page, name: string) =>
  page.locator('label.card', { has: page.getByRole('radio', { name: new RegExp(`^${name}`) }) }).click()

const podCard = (page: Page, name: string) =>
  page.locator('article.pod-card', { has: page.getByRole('heading', { name, exact: true }) })

/** The id of a pod its owner sees by that name. */
async function podIdOf(user: User, name: string): Promise<string> {
  const mine = (await (await user.page.request.get('/api/pods')).json()) as {
    data: { podId: string; podName: string }[]
  }
  const pod = mine.data.find((p) => p.podName === name)
  if (!pod) throw new Error(`${name} is not among the pods of this user`)
  return pod.podId
}

async function signUp(page: Page, name: string, email: string) {
  await page.goto('/signup')
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Password').fill(`${name}-password-123`)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL('**/pods')
}

describe.skipIf(!hasChromium)('NeuroPod in a real browser', () => {
  let platform: RunningPlatform
  let browser: Browser
  let alice: User
  let admin: User
  let podUrl = ''
  let podId = ''

  beforeAll(async () => {
    await ensureBuilt()
    platform = await startPlatform({
      NEUROPOD_SIM_CREATE_DELAY_MS: '1200',
      NEUROPOD_SIM_START_DELAY_MS: '1200',
      // The pod page shows the last visit through the proxy: write it promptly.
      NEUROPOD_PROXY_ACTIVITY_FLUSH_MS: '200',
      // Idle warnings reach the browser within a second of being due.
      NEUROPOD_IDLE_INTERVAL_SECONDS: '1',
    })
    browser = await launchBrowser()
    alice = await newUser(browser, platform.url)
    admin = await newUser(browser, platform.url)
  })

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
  })

  it('shows the public pages with prices from the live catalog, in English and Spanish', async () => {
    const { page } = alice
    await page.goto('/')
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('GPU pods')
    await screenshot(page, '01-landing')
    await page.goto('/pricing')
    await page.locator('[data-gpu="rtx-4050"]').waitFor()
    expect(await page.locator('[data-gpu="rtx-4050"]').textContent()).toContain('€2.50')
    await screenshot(page, '02-pricing')
    await page.getByLabel('Language').selectOption('es')
    await page.getByRole('heading', { name: 'Precios', level: 1 }).waitFor()
    await page.reload()
    await page.getByRole('heading', { name: 'Precios', level: 1 }).waitFor()
    await page.getByLabel('Idioma').selectOption('en')
    await page.getByRole('heading', { name: 'Prices', level: 1 }).waitFor()
  })

  it('signs up, deploys from a template and shows the creation progress until running', async () => {
    const { page } = alice
    await signUp(page, 'alice', 'alice@e2e.test')
    await page.getByText('You have no pods yet').waitFor()
    await page.getByRole('link', { name: 'Deploy a pod' }).first().click()
    await pickTemplate(page, 'Jupyter Lab')
    await page.getByLabel('Pod name').fill('alice-notebook')
    await screenshot(page, '03-deploy')
    await page.getByRole('button', { name: 'Deploy', exact: true }).click()
    await page.waitForURL('**/pods')
    const card = podCard(page, 'alice-notebook')
    await card.getByRole('progressbar').waitFor()
    await screenshot(page, '04-pod-creating')
    await card.getByText('Running', { exact: true }).waitFor({ timeout: 20_000 })
    podId = (await card.getAttribute('data-pod-id')) ?? ''
    expect(podId).toMatch(/^[a-f0-9]{16}$/)
    expect(await card.textContent()).toContain('Not available: Simulated runtime')
    await screenshot(page, '05-pod-running')
  })

  it('connects: every service with readiness, a copyable URL and a Private/Public choice that asks before publishing', async () => {
    const { page } = alice
    const card = podCard(page, 'alice-notebook')
    await card.getByRole('button', { name: 'Connect' }).click()
    const dialog = page.getByRole('dialog', { name: 'Connect to alice-notebook' })
    await dialog.getByText('Ready').first().waitFor({ timeout: 20_000 })
    podUrl = await dialog.getByLabel('URL of Jupyter Lab', { exact: true }).inputValue()
    expect(podUrl).toMatch(new RegExp(`^http://[a-z][a-z0-9]{9}-8888\\.localhost:${platform.port}/$`))
    await dialog.getByRole('button', { name: 'Copy the URL of Jupyter Lab' }).click()
    await dialog.getByRole('button', { name: 'Copy the URL of Jupyter Lab' }).getByText('Copied').waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(podUrl)
    // An explicit choice; publishing asks first. Not optimistic: the radios show the server's state.
    const access = dialog.getByRole('group', { name: 'Who can open Jupyter Lab' })
    await access.getByRole('radio', { name: /Private: only you/, checked: true }).waitFor()
    await access.getByRole('radio', { name: /Public: anyone/ }).click()
    await access.getByText(/Anyone with this URL will open Jupyter Lab without signing in/).waitFor()
    await access.getByRole('button', { name: 'Cancel' }).click()
    await access.getByRole('radio', { name: /Private: only you/, checked: true }).waitFor()
    const stillPrivate = await page.request.get(`/api/pods/${podId}`)
    expect(JSON.stringify(await stillPrivate.json())).not.toContain('"access":"public"')
    await access.getByRole('radio', { name: /Public: anyone/ }).click()
    await screenshot(page, '06-connect')
    await access.getByRole('button', { name: 'Make it public' }).click()
    await access.getByRole('radio', { name: /Public: anyone/, checked: true }).waitFor()
    await expect
      .poll(async () => JSON.stringify(await (await page.request.get(`/api/pods/${podId}`)).json()))
      .toContain('"access":"public"')
    await access.getByRole('radio', { name: /Private: only you/ }).click()
    await access.getByRole('radio', { name: /Private: only you/, checked: true }).waitFor()
    await dialog.getByRole('button', { name: 'Close' }).click()
  })

  it('opens the pod URL in the browser, signed in through the proxy', async () => {
    const tab = await alice.context.newPage()
    try {
      await tab.goto(podUrl)
      await tab.getByText('Simulated pod').first().waitFor({ timeout: 15_000 })
      expect(new URL(tab.url()).host).toBe(new URL(podUrl).host)
    } finally {
      await tab.close()
    }
  })

  it('follows the logs live, searches, limits the lines and downloads them', async () => {
    const { page } = alice
    await closeDialogs(page)
    await podCard(page, 'alice-notebook').getByRole('button', { name: 'Logs' }).click()
    const dialog = page.getByRole('dialog', { name: 'Logs of alice-notebook' })
    const log = dialog.getByRole('log')
    await log.getByText('[simulation] Container "started"').waitFor()
    await dialog.getByText('Live', { exact: true }).waitFor()
    // A line written now must appear without reloading: stop the pod behind the dialog's back.
    const stop = await page.request.post(`/api/pods/${podId}/stop`, { data: {} })
    expect(stop.status()).toBe(200)
    await log.getByText('Container stopped; the simulated volume is kept').waitFor({ timeout: 15_000 })
    await dialog.getByLabel('Search in logs').fill('volume')
    await dialog.getByText(/\d+ of \d+ (line matches|lines match)/).waitFor()
    await screenshot(page, '07-logs')
    await dialog.getByLabel('Lines').selectOption('100')
    const download = page.waitForEvent('download')
    await dialog.getByRole('button', { name: 'Download' }).click()
    expect((await download).suggestedFilename()).toMatch(/^alice-notebook-logs-.+\.txt$/)
    await dialog.getByRole('button', { name: 'Close' }).click()
  })

  it('opens the pod page from its card: connections, events and logs, the state changing live', async () => {
    const { page } = alice
    await closeDialogs(page)
    const card = podCard(page, 'alice-notebook')
    await card.getByText('Stopped', { exact: true }).waitFor({ timeout: 15_000 })
    await card.getByRole('link', { name: 'alice-notebook' }).click()
    await page.waitForURL(`**/pods/${podId}`)
    await page.getByRole('heading', { level: 1, name: 'alice-notebook' }).waitFor()
    const status = page.getByTestId('pod-status')
    await expect.poll(() => status.textContent()).toBe('Stopped')
    // The pod URL was opened a moment ago, through the proxy.
    const glance = page.getByRole('region', { name: 'At a glance' })
    await glance.locator('time', { hasText: /ago$|^now$/ }).waitFor()
    const connections = page.getByRole('region', { name: 'Connections' })
    expect(await connections.textContent()).toContain(podUrl)
    expect(await connections.textContent()).toContain('Private')
    await screenshot(page, '07b-pod-page')

    await page.getByRole('tab', { name: 'Events' }).click()
    await page.waitForURL(/\?tab=events$/)
    const events = page.getByRole('region', { name: 'Lifecycle events' })
    await events.getByText('Stop requested').first().waitFor()
    // Started from the page: the status and the new events arrive over the socket.
    await page.getByRole('button', { name: 'Start', exact: true }).click()
    await events.getByText('Start requested').waitFor()
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('Running')
    await screenshot(page, '07c-pod-events')

    await page.getByRole('tab', { name: 'Logs' }).click()
    await page.getByRole('log').getByText('[simulation] Container "started"').first().waitFor()
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    await page
      .getByRole('dialog', { name: 'Stop alice-notebook?' })
      .getByRole('button', { name: 'Stop' })
      .click()
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('Stopped')
    await page.getByRole('main').getByRole('link', { name: 'My pods' }).click()
    await page.waitForURL(/\/pods$/)

    // The address of a pod that is not there says so, with the way back. Followed inside the
    // app with the socket up, so the one 404 is the page's own question (a reconnection would
    // ask again).
    await page.getByRole('banner').getByText('Live', { exact: true }).waitFor()
    await page.evaluate(() => {
      history.pushState(null, '', '/pods/ffffffffffffffff')
      dispatchEvent(new PopStateEvent('popstate'))
    })
    await page.getByRole('heading', { name: 'This pod no longer exists' }).waitFor()
    await expect
      .poll(() => alice.errors.findIndex((e) => e.includes('status of 404')))
      .toBeGreaterThanOrEqual(0)
    alice.errors.splice(
      alice.errors.findIndex((e) => e.includes('status of 404')),
      1,
    )
    await page.getByRole('main').getByRole('link', { name: 'My pods' }).click()
    await page.waitForURL(/\/pods$/)
  })

  it('starts and stops with confirmation, and deletes', async () => {
    const { page } = alice
    await closeDialogs(page)
    const card = podCard(page, 'alice-notebook')
    await card.getByText('Stopped', { exact: true }).waitFor({ timeout: 15_000 })
    await card.getByRole('button', { name: 'Start' }).click()
    await card.getByText('Running', { exact: true }).waitFor({ timeout: 20_000 })
    await card.getByRole('button', { name: 'Stop' }).click()
    const confirm = page.getByRole('dialog', { name: 'Stop alice-notebook?' })
    await confirm.getByRole('button', { name: 'Stop' }).click()
    await card.getByText('Stopped', { exact: true }).waitFor({ timeout: 15_000 })
    await card.getByRole('button', { name: 'Delete' }).click()
    const del = page.getByRole('dialog', { name: 'Delete alice-notebook?' })
    expect(await del.textContent()).toContain('volume')
    await del.getByRole('button', { name: 'Delete' }).click()
    await card.waitFor({ state: 'detached', timeout: 15_000 })
    await page.getByText('Pod alice-notebook deleted').waitFor()
  })

  it('shows the account: live balance, ledger, usage and API keys', async () => {
    const { page } = alice
    await closeDialogs(page)
    await page.getByRole('link', { name: 'Account & billing' }).click()
    await page.getByRole('heading', { name: 'Ledger' }).waitFor()
    // Usage over a chosen period: one bar (and one row of the chart's data table) per day.
    const usage = page.locator('section', { has: page.getByRole('heading', { name: 'Usage', exact: true }) })
    await expect.poll(() => usage.locator('figure tbody tr').count()).toBe(30)
    await usage.getByRole('button', { name: '7 days' }).click()
    await usage.getByRole('button', { name: '7 days', pressed: true }).waitFor()
    await expect.poll(() => usage.locator('figure tbody tr').count()).toBe(7)
    await page.getByLabel('Key name').fill('laptop')
    await page.getByRole('button', { name: 'Create key' }).click()
    const key = await page.getByLabel('New API key').inputValue()
    expect(key).toMatch(/^npk_/)
    const withKey = await page.request.get('/api/auth/me', { headers: { authorization: `Bearer ${key}` } })
    expect(withKey.status()).toBe(200)
    await screenshot(page, '08-account')
    await page.getByRole('button', { name: 'I have saved it' }).click()
    await page.getByRole('button', { name: 'Revoke key laptop' }).click()
    await page
      .getByRole('dialog', { name: 'Revoke "laptop"?' })
      .getByRole('button', { name: 'Revoke' })
      .click()
    await page.getByRole('button', { name: 'Revoke key laptop' }).waitFor({ state: 'detached' })
  })

  it('admin: credits a balance, and the client sees it change live', async () => {
    const { page } = admin
    await page.goto('/login')
    await page.getByLabel('E-mail').fill(ADMIN_EMAIL)
    await page.getByLabel('Password').fill(ADMIN_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL('**/admin')
    await page.getByTestId('kpi-users').waitFor()
    await screenshot(page, '09-admin-dashboard')
    const before = euros(await alice.page.getByTestId('shell-balance').textContent())
    await page.getByRole('link', { name: 'Users', exact: true }).click()
    await page.getByRole('searchbox', { name: 'Search by name or e-mail' }).fill('alice')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByRole('button', { name: 'Change the balance of alice@e2e.test' }).click()
    const dialog = page.getByRole('dialog', { name: 'Balance of alice@e2e.test' })
    await dialog.getByLabel('Amount (€)').fill('5')
    await dialog.getByLabel('Reason').fill('Course credit')
    await dialog.getByRole('button', { name: 'Apply' }).click()
    await page.getByText(/Balance of alice@e2e.test is now/).waitFor()
    await screenshot(page, '10-admin-users')
    await alice.page.getByText('Balance changed: +€5.00').waitFor()
    await expect
      .poll(async () => euros(await alice.page.getByTestId('shell-balance').textContent()))
      .toBeGreaterThan(before + 4.9)
  })

  it('admin: changes a price and the deploy page costs the new price', async () => {
    await alice.page.goto('/deploy')
    await alice.page.locator('[data-gpu="rtx-4050"]').click()
    const before = euros(await alice.page.getByTestId('deploy-cost').textContent())
    const { page } = admin
    await page.getByRole('link', { name: 'Pricing', exact: true }).click()
    await page.getByLabel('Price per hour of rtx-4050').fill('3.10')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Prices saved').waitFor()
    await screenshot(page, '11-admin-prices')
    await alice.page.goto('/pods')
    await alice.page.goto('/deploy')
    await alice.page.locator('[data-gpu="rtx-4050"]').getByText('€3.10').waitFor()
    await alice.page.locator('[data-gpu="rtx-4050"]').click()
    await expect
      .poll(async () => euros(await alice.page.getByTestId('deploy-cost').textContent()))
      .toBeCloseTo(before + 0.6, 4)
  })

  it('admin: creates a template and deploys from it for a client found by search', async () => {
    const { page } = admin
    await page.getByRole('link', { name: 'Templates', exact: true }).click()
    await page.getByRole('button', { name: 'New template' }).click()
    const editor = page.getByRole('dialog', { name: 'New template' })
    await editor.getByLabel('Name', { exact: true }).fill('E2E Web')
    await editor.getByLabel('Docker image').fill('nginx:1.27')
    await editor.getByLabel('HTTP ports: port 1').fill('8080')
    await editor.getByLabel('HTTP ports: service name 1').fill('Web')
    await editor.getByRole('checkbox', { name: /Run Jupyter Lab/ }).uncheck()
    await editor.getByLabel('Description (Markdown)').fill('## E2E\nServes **nginx** on 8080.')
    await editor.getByRole('button', { name: 'New template' }).click()
    const card = page.locator('article[data-template="E2E Web"]')
    await card.waitFor()
    await screenshot(page, '12-admin-templates')
    await card.getByRole('link', { name: 'Deploy' }).click()
    await page.getByRole('radio', { name: /^E2E Web/, checked: true }).waitFor()
    expect(await page.locator('.markdown strong').first().textContent()).toBe('nginx')
    await page.getByLabel('Pod name').fill('for-alice')
    await page.getByLabel('Deploy for a user (optional)').fill('alice')
    await page.getByRole('button', { name: /alice@e2e\.test/ }).click()
    await page.getByRole('button', { name: 'Deploy', exact: true }).click()
    await page.waitForURL(/\/admin\/pods\?user=/)
    await podCard(page, 'for-alice').waitFor()
    // The owner learns about it live, and sees it run.
    await alice.page.goto('/pods')
    await podCard(alice.page, 'for-alice').getByText('Running', { exact: true }).waitFor({ timeout: 20_000 })
    await podCard(page, 'for-alice').getByText('Running', { exact: true }).waitFor({ timeout: 20_000 })
    await screenshot(page, '13-admin-pods')
  })

  it('shows server validation errors next to their fields', async () => {
    const { page } = alice
    await page.goto('/deploy')
    await pickTemplate(page, 'E2E Web')
    await page.getByLabel('Pod name').fill('for-alice')
    await page.getByRole('button', { name: 'Deploy', exact: true }).click()
    // The name is taken: only the server knows, and it says so beside the name.
    const name = page.getByLabel('Pod name')
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true')
    const describedBy = (await name.getAttribute('aria-describedby')) ?? ''
    const errorId = describedBy.split(' ').find((id) => id.endsWith('-error'))
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toMatch(/already|exists|taken|unique/i)
    // Chromium logs every 4xx response; this one was the point of the test.
    const expected = alice.errors.findIndex((e) => e.includes('status of 400'))
    expect(expected).toBeGreaterThanOrEqual(0)
    alice.errors.splice(expected, 1)
  })

  it('a second client never sees the first client’s pods', async () => {
    const bob = await newUser(browser, platform.url, { mobile: true })
    try {
      await signUp(bob.page, 'bob', 'bob@e2e.test')
      await bob.page.getByText('You have no pods yet').waitFor()
      expect(await bob.page.locator('article.pod-card').count()).toBe(0)
      const alicePods = await alice.page.request.get('/api/pods')
      const alicePodId = ((await alicePods.json()) as { data: { podId: string }[] }).data[0]!.podId
      const peek = await bob.page.request.get(`/api/pods/${alicePodId}`)
      expect([403, 404]).toContain(peek.status())
      await screenshot(bob.page, '14-mobile-pods')
      for (const [path, ready, name] of [
        ['/pods', 'You have no pods yet', '14-mobile-pods'],
        ['/deploy', 'Jupyter Lab', '16-mobile-deploy'],
        ['/account', 'API keys', '17-mobile-account'],
        ['/pricing', 'Pricing', '18-mobile-pricing'],
      ] as const)
        await expectFitsPhone(bob.page, path, ready, name)
      expect(bob.errors).toEqual([])
    } finally {
      await bob.context.close()
    }
  })

  it('admin: every admin page fits a phone', async () => {
    const phone = await newUser(browser, platform.url, { mobile: true })
    try {
      await phone.page.goto('/login')
      await phone.page.getByLabel('E-mail').fill(ADMIN_EMAIL)
      await phone.page.getByLabel('Password').fill(ADMIN_PASSWORD)
      await phone.page.getByRole('button', { name: 'Sign in' }).click()
      await phone.page.waitForURL('**/admin')
      const forAlice = await podIdOf(alice, 'for-alice')
      for (const [path, ready, name] of [
        [`/pods/${forAlice}`, 'Connections', '24-mobile-pod-page'],
        [`/pods/${forAlice}?tab=logs`, 'Lines', '25-mobile-pod-logs'],
        ['/admin', 'Dashboard', '19-mobile-admin-dashboard'],
        ['/admin/users', 'alice@e2e.test', '20-mobile-admin-users'],
        ['/admin/pods', 'All pods', '21-mobile-admin-pods'],
        ['/admin/templates', 'Templates', '22-mobile-admin-templates'],
        ['/admin/pricing', 'Prices & limits', '23-mobile-admin-prices'],
      ] as const)
        await expectFitsPhone(phone.page, path, ready, name)
      expect(phone.errors).toEqual([])
    } finally {
      await phone.context.close()
    }
  })

  it('labels every control on every page', async () => {
    const forAlice = await podIdOf(alice, 'for-alice')
    const pages: [User, string, string][] = [
      [alice, `/pods/${forAlice}`, 'Connections'],
      [alice, `/pods/${forAlice}?tab=events`, 'Lifecycle events'],
      [alice, `/pods/${forAlice}?tab=logs`, 'Lines'],
      [admin, `/pods/${forAlice}`, 'Connections'],
      [alice, '/pods', 'My pods'],
      [alice, '/deploy', 'Jupyter Lab'],
      [alice, '/account', 'API keys'],
      [admin, '/admin', 'Dashboard'],
      [admin, '/admin/users', 'alice@e2e.test'],
      [admin, '/admin/pods', 'All pods'],
      [admin, '/admin/templates', 'Templates'],
      [admin, '/admin/pricing', 'Prices & limits'],
    ]
    for (const [user, path, ready] of pages) {
      await user.page.goto(path)
      await user.page.getByText(ready).first().waitFor()
      const { checked, unlabelled } = await unlabelledControls(user.page)
      expect(checked, path).toBeGreaterThan(5)
      expect(unlabelled, path).toEqual([])
    }
  })

  it('deploys with the keyboard alone, showing where the focus is', async () => {
    const { page } = alice
    await page.goto('/deploy')
    await page.getByText('Jupyter Lab').first().waitFor()
    const stops: { name: string; ring: boolean }[] = []
    await page.locator('body').focus()
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab')
      const stop = await page.evaluate(() => {
        const e = document.activeElement as HTMLElement | null
        if (!e || e === document.body) return null
        // A ring on the control, or on the box drawn around it (a chip field, a selectable card).
        const ringed = (el: Element) => {
          const style = getComputedStyle(el)
          return (
            (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0) ||
            style.boxShadow !== 'none'
          )
        }
        let ring = false
        for (let el: Element | null = e, up = 0; el && up < 3 && !ring; el = el.parentElement, up++)
          ring = ringed(el)
        const name =
          e.getAttribute('aria-label') ??
          (e as HTMLInputElement).labels?.[0]?.textContent?.trim() ??
          e.textContent?.trim() ??
          e.tagName
        return { name: `${e.tagName.toLowerCase()}: ${name.slice(0, 40)}`, ring }
      })
      if (!stop) continue
      stops.push(stop)
      if (stop.name.startsWith('button: CPU only')) await page.keyboard.press('Enter')
      if (stop.name.startsWith('input: Pod name')) await page.keyboard.type('keyboard-pod')
      if (stop.name.startsWith('button: Deploy')) break
    }
    expect(stops.at(-1)?.name).toMatch(/^button: Deploy/)
    expect(stops.filter((s) => !s.ring).map((s) => s.name)).toEqual([])
    await page.keyboard.press('Enter')
    await page.waitForURL('**/pods')
    await podCard(page, 'keyboard-pod').waitFor()
    const mine = (await (await page.request.get('/api/pods')).json()) as {
      data: { podId: string; podName: string }[]
    }
    const pod = mine.data.find((p) => p.podName === 'keyboard-pod')!
    expect(pod).toBeDefined()
    expect((await page.request.delete(`/api/pods/${pod.podId}`)).status()).toBe(200)
  })

  it('warns of an idle pod with a banner and a toast; Keep running extends it', async () => {
    const { page } = alice
    await closeDialogs(page)
    // A 2-minute timeout with a 3-minute warning lead: the warning is due as soon as the pod runs.
    expect(
      (await admin.page.request.put('/api/settings/idle', { data: { warningLeadMinutes: 3 } })).status(),
    ).toBe(200)
    try {
      await page.goto('/pods')
      const created = await page.request.post('/api/pods', {
        data: {
          name: 'alice-idle',
          dockerImage: 'busybox:latest',
          gpu: 'cpu',
          ports: [8080],
          idleTimeoutMinutes: 2,
        },
      })
      expect(created.status(), await created.text()).toBe(201)
      const card = podCard(page, 'alice-idle')
      await card.getByText('Running', { exact: true }).waitFor({ timeout: 20_000 })
      const toast = page.locator('.toasts .toast', { hasText: 'alice-idle is idle' })
      await toast.waitFor({ timeout: 15_000 })
      expect(await toast.getByRole('button', { name: 'Keep running' }).count()).toBe(1)
      const banner = card.locator('[data-idle-warning]')
      await banner.getByText(/Idle: stops in \d+ min/).waitFor({ timeout: 15_000 })
      await screenshot(page, '16-idle-warning')
      await banner.getByRole('button', { name: 'Keep running' }).click()
      await page.getByText('Kept alice-idle running for 2 more min').waitFor()
      // The deadline moved past the warning lead: the banner goes.
      await banner.waitFor({ state: 'detached', timeout: 10_000 })
      await page.getByRole('link', { name: 'Notifications' }).click()
      await page.getByText('Idle warning').first().waitFor()
      // Deleted while no page polls it (a card would ask for its usage once more and get a 404).
      const podId = await podIdOf(alice, 'alice-idle')
      expect((await page.request.delete(`/api/pods/${podId}`)).status()).toBe(200)
    } finally {
      await admin.page.request.put('/api/settings/idle', { data: { warningLeadMinutes: 10 } })
    }
  })

  it('logged no console errors', async () => {
    await screenshot(alice.page, '15-alice-end')
    expect(alice.errors).toEqual([])
    expect(admin.errors).toEqual([])
  })
})
