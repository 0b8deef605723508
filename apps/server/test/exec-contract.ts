import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { type ExecSession, ExecUnavailableError } from '../src/runtime/exec.js'
import type { PodRuntime } from '../src/runtime/pod-runtime.js'

/**
 * What every runtime's exec must do, run against each adapter on its real system (Podman, the
 * fake API server speaking the channel protocol, the simulation). Call inside a describe block;
 * `target()` gives the runtime and the id of a pod that runs.
 */

export interface ExecTarget {
  runtime: PodRuntime
  podId: string
  /** A pod id the runtime has never seen */
  unknownPodId: string
}

/** Collects a session's output until the process ends. */
export async function collect(session: ExecSession): Promise<{
  stdout: Buffer
  stderr: Buffer
  code: number | null
  reason: string | null
}> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  session.stdout.on('data', (c: Buffer) => out.push(c))
  session.stderr.on('data', (c: Buffer) => err.push(c))
  const ended = (s: NodeJS.ReadableStream) => new Promise((resolve) => s.once('end', resolve))
  const [exit] = await Promise.all([session.exit, ended(session.stdout), ended(session.stderr)])
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), code: exit.code, reason: exit.reason }
}

/** Reads a tty session's output until `pattern` shows up (or fails after `timeoutMs`). */
export function readUntil(session: ExecSession, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => {
      session.stdout.off('data', onData)
      reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(text)}`))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8')
      if (!pattern.test(text)) return
      clearTimeout(timer)
      session.stdout.off('data', onData)
      resolve(text)
    }
    session.stdout.on('data', onData)
  })
}

export function execContract(target: () => ExecTarget): void {
  it('runs a command: separate stdout and stderr, its exit status', async () => {
    const { runtime, podId } = target()
    const session = await runtime.exec({
      podId,
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      tty: false,
    })
    const result = await collect(session)
    expect(result.stdout.toString()).toBe('out\n')
    expect(result.stderr.toString()).toBe('err\n')
    expect(result.code).toBe(3)
  })

  it('passes stdin through, byte for byte, and ends it on EOF', async () => {
    const { runtime, podId } = target()
    const session = await runtime.exec({ podId, command: ['cat'], tty: false })
    const data = randomBytes(256 * 1024)
    const result = collect(session)
    session.stdin.end(data)
    const { stdout, code } = await result
    expect(stdout.length).toBe(data.length)
    expect(stdout.equals(data)).toBe(true)
    expect(code).toBe(0)
  })

  it('opens an interactive shell on a terminal that echoes, computes and exits with a status', async () => {
    const { runtime, podId } = target()
    const session = await runtime.exec({ podId, command: null, tty: true, size: { cols: 100, rows: 30 } })
    const seen = readUntil(session, /42/)
    session.stdin.write('echo $((6*7))\r')
    expect(await seen).toContain('echo $((6*7))') // the terminal echoed what was typed
    const result = collect(session)
    session.stdin.write('exit 5\r')
    const { code, stderr } = await result
    expect(code).toBe(5)
    expect(stderr.length).toBe(0) // a terminal merges both streams
  })

  it('gives the terminal its window size and follows a resize', async () => {
    const { runtime, podId } = target()
    const session = await runtime.exec({
      podId,
      command: ['sh', '-c', 'stty size; read line; stty size'],
      tty: true,
      size: { cols: 91, rows: 33 },
    })
    await readUntil(session, /33 91/)
    await session.resize({ cols: 120, rows: 40 })
    // An engine may apply a resize a moment after answering it (Podman hands it to conmon).
    await new Promise((r) => setTimeout(r, 500))
    const result = collect(session)
    session.stdin.write('go\r')
    const { stdout, code } = await result
    expect(stdout.toString()).toMatch(/40 120/)
    expect(code).toBe(0)
  })

  it('ends the process when the session is closed', async () => {
    const { runtime, podId } = target()
    const session = await runtime.exec({ podId, command: ['sleep', '600'], tty: false })
    const started = Date.now()
    const exit = await session.close()
    expect(Date.now() - started).toBeLessThan(8000)
    expect(exit.code).not.toBe(0)
    // Closing twice is harmless.
    expect(await session.close()).toEqual(exit)
  })

  it('refuses a pod that is not running, with the reason', async () => {
    const { runtime, unknownPodId } = target()
    const error = await runtime
      .exec({ podId: unknownPodId, command: ['true'], tty: false })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExecUnavailableError)
    expect((error as ExecUnavailableError).refusal).toBe('not-running')
    expect((error as Error).message).toMatch(/not running|no container|stopped/i)
  })
}
