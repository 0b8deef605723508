#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the CLI needs no build step in the repository.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const tsx = path.resolve(here, '../../../node_modules/.bin/tsx')
const child = spawn(tsx, [path.join(here, '../src/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' })
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
