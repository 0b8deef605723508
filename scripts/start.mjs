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
if (fs.existsSync(webPackage) && JSON.parse(fs.readFileSync(webPackage, 'utf8')).scripts?.build) {
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

const tsx = path.join(root, 'node_modules/.bin/tsx')
const child = spawn(tsx, [path.join(root, 'apps/server/src/main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
