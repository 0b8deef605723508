#!/usr/bin/env node
// `npm start`: builds the web UI when its sources changed since the last build, then runs the
// server (API + UI + realtime + proxy) on embedded defaults. Signals reach the server so it can
// shut down gracefully.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const web = path.join(root, 'apps/web')

function newestMtime(dir) {
  let newest = 0
  if (!fs.existsSync(dir)) return newest
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

const webPackage = path.join(web, 'package.json')
// An operator who points NEUROPOD_WEB_DIST at their own build gets that build, not ours rebuilt.
if (
  !process.env.NEUROPOD_WEB_DIST &&
  fs.existsSync(webPackage) &&
  JSON.parse(fs.readFileSync(webPackage, 'utf8')).scripts?.build
) {
  const built = path.join(web, 'dist/index.html')
  const stale =
    !fs.existsSync(built) ||
    newestMtime(web) > fs.statSync(built).mtimeMs ||
    newestMtime(path.join(root, 'packages/contracts/src')) > fs.statSync(built).mtimeMs
  if (stale) {
    console.log('Building the web UI…')
    const result = spawnSync('npm', ['run', 'build', '--workspace', '@neuropod/web'], {
      cwd: root,
      stdio: 'inherit',
    })
    if (result.status !== 0) process.exit(result.status ?? 1)
  }
}

// The server runs in a direct child (node --import tsx, not the tsx CLI, which would add a process
// in between), so a signal sent here is the one the server shuts down on.
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'apps/server/src/main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
})
let stopping = false
const stop = (signal) => {
  stopping = true
  if (child.exitCode === null && child.signalCode === null) child.kill(signal)
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal))

// `npm start` runs this under `sh -c`; on SIGTERM npm signals the shell, which dies without passing
// it on, and this process is re-parented. Losing the parent means the same as the signal.
const parent = process.ppid
const orphaned = setInterval(() => {
  if (process.ppid !== parent && !stopping) stop('SIGTERM')
}, 250)
orphaned.unref()

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }
// Exit as the server did: its code, or 128 + the signal that ended it (as a shell reports it).
child.on('exit', (code, signal) => process.exit(code ?? 128 + (SIGNALS[signal] ?? 1)))
