import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { eventually } from './harness.js'

const root = path.resolve(import.meta.dirname, '../../..')

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const out: number[] = []
  let children: string
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
  } catch {
    return out
  }
  for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number))
    out.push(child, ...descendants(child))
  return out
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => resolve(!socket.destroy()))
    socket.once('error', () => resolve(false))
  })

/** `npm start` as an operator's process manager runs it: SIGTERM to npm stops the platform. */
describe.runIf(process.platform === 'linux')('npm start', () => {
  it('stops the server when npm gets SIGTERM, leaving no process and no open port', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuropod-start-'))
    const port = await freePort()
    let npm: ChildProcess | null = null
    let tree: number[] = []
    try {
      npm = spawn('npm', ['start'], {
        cwd: root,
        // A group of its own, so a failed test can still clean up everything below npm.
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          NEUROPOD_DATA_DIR: dataDir,
          NEUROPOD_RUNTIME: 'simulated',
          NEUROPOD_WEB_DIST: path.join(dataDir, 'no-web-ui'), // not built for this test
          NEUROPOD_LOG_LEVEL: 'warn',
          NEUROPOD_ADMIN_PASSWORD: 'start-script-password',
          DATABASE_URL: '',
        },
      })
      const pid = npm.pid!
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.ok,
        150_000,
        250,
      )
      tree = descendants(pid)
      expect(tree.length).toBeGreaterThan(1) // sh, start.mjs, the server

      process.kill(pid, 'SIGTERM')
      await eventually(async () => !alive(pid) && tree.every((p) => !alive(p)), 60_000, 100)
      expect(await portOpen(port)).toBe(false)
    } finally {
      if (npm?.pid) {
        try {
          process.kill(-npm.pid, 'SIGKILL')
        } catch {
          /* the group is gone: the normal outcome */
        }
      }
      for (const p of tree) if (alive(p)) process.kill(p, 'SIGKILL')
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }, 240_000)
})
