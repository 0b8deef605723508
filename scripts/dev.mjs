#!/usr/bin/env node
// `npm run dev`: the server (restarts on change, :3000, data in ./data like `npm start`) and the web
// UI (Vite with hot reload, :5173, proxying /api and /socket.io to the server) together. Ctrl-C or
// SIGTERM stops both; if one exits, so does the other, so a crash never hides behind a half setup.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => path.join(root, 'node_modules/.bin', name)

const children = [
  ['server', bin('tsx'), ['watch', path.join(root, 'apps/server/src/main.ts')], root],
  ['web', bin('vite'), [], path.join(root, 'apps/web')],
].map(([name, command, args, cwd]) => {
  // Started directly (not through npm) so that signals reach them.
  const child = spawn(command, args, { cwd, stdio: 'inherit', env: process.env })
  child.on('exit', (code, signal) => {
    if (!stopping) console.log(`[dev] ${name} exited (${signal ?? code}); stopping the rest`)
    stopAll()
    if (code) process.exitCode = code
  })
  return child
})

let stopping = false
function stopAll(signal = 'SIGTERM') {
  if (stopping) return
  stopping = true
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal)
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal))
console.log('[dev] API on http://localhost:3000 · UI with hot reload on http://localhost:5173')
