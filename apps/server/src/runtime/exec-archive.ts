import path from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ExecRequest, ExecSession } from './exec.js'

/**
 * Files in and out of a running pod through exec (ADR 0016): a command's output collected, and
 * `tar` fed from stdin or read from stdout. Kubernetes moves volume files this way (`pods/exec`,
 * as `kubectl cp` does); the Docker adapter uses the engine's archive API instead, and every
 * runtime uses `run` to resolve paths before a transfer.
 */

export type Exec = (request: ExecRequest) => Promise<ExecSession>

export interface CommandResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a short command and collects its output (at most 64 KiB of each stream). */
export async function run(exec: Exec, podId: string, command: string[]): Promise<CommandResult> {
  const session = await exec({ podId, command, tty: false })
  session.stdin.end()
  const [stdout, stderr, exit] = await Promise.all([
    collect(session.stdout),
    collect(session.stderr),
    session.exit,
  ])
  return { code: exit.code, stdout, stderr }
}

async function collect(stream: Readable, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
    if (size < limit) chunks.push(b.subarray(0, limit - size))
    size += b.length
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Extracts `tar` into `dir` (created when missing) with the image's `tar`. */
export async function tarInto(exec: Exec, podId: string, dir: string, tar: Readable): Promise<void> {
  const session = await exec({
    podId,
    command: ['sh', '-c', 'mkdir -p -- "$1" && exec tar -x -f - -C "$1"', 'sh', dir],
    tty: false,
  })
  const stderr = collect(session.stderr)
  const drained = collect(session.stdout)
  try {
    await pipeline(tar, session.stdin)
  } catch (error) {
    await session.close()
    throw error
  }
  const [exit, message] = await Promise.all([session.exit, stderr, drained])
  if (exit.code !== 0)
    throw new Error(`tar could not extract the files: ${message.trim() || exit.reason || 'failed'}`)
}

/** A tar stream of `target` (a file or a folder) made by the image's `tar`. */
export async function tarFrom(exec: Exec, podId: string, target: string): Promise<Readable> {
  const session = await exec({
    podId,
    command: ['tar', '-c', '-f', '-', '-C', path.posix.dirname(target), path.posix.basename(target)],
    tty: false,
  })
  session.stdin.end()
  const out = new PassThrough()
  const stderr = collect(session.stderr)
  session.stdout.pipe(out, { end: false })
  session.stdout.on('end', () => {
    void Promise.all([session.exit, stderr]).then(([exit, message]) => {
      if (exit.code === 0) out.end()
      else out.destroy(new Error(`tar failed: ${message.trim() || exit.reason || 'failed'}`))
    })
  })
  out.on('close', () => void session.close())
  return out
}
