import fs from 'node:fs'
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
 * Files in and out of a volume from the Volumes page, on a real engine (Podman in CI): a file
 * picked in Chromium is uploaded (XMLHttpRequest) into a folder of the volume of a running pod, and
 * that folder comes back as a tar download named by the server.
 */
const socket = process.env.NEUROPOD_TEST_DOCKER_SOCKET ?? ''
const image = process.env.NEUROPOD_TEST_IMAGE ?? 'localhost/neuropod-test:latest'
const hasEngine = socket !== '' && fs.existsSync(socket)

describe.skipIf(!hasChromium || !hasEngine)('volume files in Chromium', () => {
  let platform: RunningPlatform
  let browser: Browser

  beforeAll(async () => {
    await ensureBuilt()
    platform = await startPlatform({
      NEUROPOD_SSH_PORT: 'off',
      NEUROPOD_RUNTIME: 'docker',
      NEUROPOD_DOCKER_SOCKET: socket,
      NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS: '1',
      NEUROPOD_GPUS: '0:rtx-4050',
      NEUROPOD_DOCKER_GPU_MODE: 'env',
    })
    browser = await launchBrowser()
  }, 240_000)
  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
  })

  it('uploads a picked file into a folder and downloads that folder as a tar', async () => {
    const user = await newUser(browser, platform.url)
    const { page } = user
    const email = `files-${Date.now()}@e2e.test`
    const registered = await page.request.post('/api/auth/register', {
      data: { email, password: 'files-password-1', name: 'Files' },
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
    const volume = await page.request.post('/api/volumes', { data: { name: 'work', size: 1 } })
    expect(volume.status(), await volume.text()).toBe(201)
    const volumeId = (await volume.json()).data.volumeId as string
    const created = await page.request.post('/api/pods', {
      data: {
        name: 'files-pod',
        dockerImage: image,
        gpu: 'cpu',
        ports: [8080],
        volumeId,
        startCommand: 'exec httpd -f -p 8080 -h /workspace',
      },
    })
    expect(created.status(), await created.text()).toBe(201)
    const podId = (await created.json()).data.podId as string
    await expect
      .poll(async () => (await (await page.request.get(`/api/pods/${podId}`)).json()).data.status, {
        timeout: 90_000,
      })
      .toBe('running')

    try {
      await page.goto('/volumes')
      await page.getByRole('button', { name: 'Files of work' }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByLabel('Files', { exact: true }).setInputFiles({
        name: 'hello.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('hello from chromium\n'),
      })
      await dialog.getByLabel('Target folder').fill('inbox')
      await dialog.getByRole('button', { name: 'Upload' }).click()
      await dialog.getByText('Uploaded files: 1').waitFor({ timeout: 30_000 })

      await dialog.getByLabel('Path to download').fill('inbox')
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 30_000 }),
        dialog.getByRole('button', { name: 'Download as tar' }).click(),
      ])
      expect(download.suggestedFilename()).toMatch(/\.tar$/)
      const tar = fs.readFileSync((await download.path())!)
      expect(tar.toString('latin1')).toContain('hello.txt')
      expect(tar.toString('latin1')).toContain('hello from chromium')
      await dialog.getByText(`Saved ${download.suggestedFilename()}`).waitFor()
      await screenshot(page, 'volume-files')
      expect(user.errors).toEqual([])
    } finally {
      await page.request.delete(`/api/pods/${podId}`, { data: { keepVolume: false } })
      await user.context.close()
    }
  }, 240_000)
})
