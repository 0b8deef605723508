import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

/*
 * The end-to-end harness: the real server (apps/server main through tsx) on a free port with a
 * fresh PGlite data directory and the simulated runtime, and Debian's Chromium driven by
 * playwright-core. Nothing of the server is faked.
 */

export const CHROMIUM = process.env.NEUROPOD_CHROMIUM ?? '/usr/bin/chromium'
export const hasChromium = fs.existsSync(CHROMIUM)
export const ADMIN_EMAIL = 'admin@e2e.test'
export const ADMIN_PASSWORD = 'e2e-admin-password'

const here = path.dirname(fileURLToPath(import.meta.url))
export const webRoot = path.resolve(here, '..')
const repoRoot = path.resolve(webRoot, '../..')
export const resultsDir = path.join(repoRoot, 'test-results')

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface RunningPlatform {
  url: string
  port: number
  logs: () => string
  stop(): Promise<void>
}

export async function startPlatform(env: Record<string, string> = {}): Promise<RunningPlatform> {
  const port = await freePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-e2e-'))
  const child: ChildProcess = spawn(
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    [path.join(repoRoot, 'apps/server/src/main.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        NEUROPOD_DATA_DIR: dataDir,
        NEUROPOD_RUNTIME: 'simulated',
        NEUROPOD_SIM_CREATE_DELAY_MS: '400',
        NEUROPOD_SIM_START_DELAY_MS: '400',
        NEUROPOD_READINESS_GRACE_SECONDS: '5',
        NEUROPOD_METER_INTERVAL_SECONDS: '2',
        // The round storage prices the figures below are written in (shipped defaults: ~137 µ€/GB-h)
        CONTAINER_DISK_PRICE: '0.05',
        VOLUME_DISK_PRICE: '0.1',
        NEUROPOD_ADMIN_EMAIL: ADMIN_EMAIL,
        NEUROPOD_ADMIN_PASSWORD: ADMIN_PASSWORD,
        NEUROPOD_WEB_DIST: path.join(webRoot, 'dist'),
        NEUROPOD_LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const url = `http://localhost:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited (${child.exitCode}):\n${output}`)
    try {
      const res = await fetch(`${url}/api/health`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`The server did not answer within 90 s:\n${output}`)
    await new Promise((r) => setTimeout(r, 250))
  }
  return {
    url,
    port,
    logs: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(timer)
      }
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** A fresh browser profile (its own cookies) that fails the test on any console error. */
export async function newUser(
  browser: Browser,
  baseURL: string,
  options: { mobile?: boolean; lang?: string } = {},
) {
  const context: BrowserContext = await browser.newContext({
    baseURL,
    viewport: options.mobile ? { width: 390, height: 844 } : { width: 1360, height: 900 },
    locale: options.lang ?? 'en-GB',
    permissions: ['clipboard-read', 'clipboard-write'],
  })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return { context, page, errors }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(resultsDir, { recursive: true })
  await page.screenshot({ path: path.join(resultsDir, `${name}.png`), fullPage: true })
}

/** Builds the UI when its sources are newer than dist (the server serves dist). */
export async function ensureBuilt(): Promise<void> {
  const built = path.join(webRoot, 'dist/index.html')
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
      const full = path.join(dir, e.name)
      return Math.max(max, e.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs)
    }, 0)
  const sources = Math.max(
    newest(path.join(webRoot, 'src')),
    newest(path.join(repoRoot, 'packages/contracts/src')),
    fs.statSync(path.join(webRoot, 'index.html')).mtimeMs,
  )
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs > sources) return
  // A separate process with NODE_ENV=production: vitest sets NODE_ENV=test, which would make Vite
  // emit React's development build into the dist that `npm start` serves.
  const result = spawnSync(path.join(repoRoot, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
    cwd: webRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
  })
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`)
}
