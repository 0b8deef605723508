import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** The real OpenSSH client (Debian's openssh-client) against a gateway on 127.0.0.1. */

export interface KeyPair {
  file: string
  publicKey: string
}

export function makeKey(dir: string, name: string, type = 'ed25519'): KeyPair {
  const file = path.join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `${name}@test`, '-f', file])
  return { file, publicKey: fs.readFileSync(`${file}.pub`, 'utf8') }
}

export function sshOptions(port: number, key: KeyPair | null): string[] {
  return [
    ...(key ? ['-i', key.file, '-o', 'IdentitiesOnly=yes'] : []),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=20',
    '-F',
    '/dev/null',
    '-p',
    String(port),
  ]
}

export interface SshResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `ssh … user@127.0.0.1 args…` to completion (stdin: `input`, or nothing). */
export function ssh(
  port: number,
  key: KeyPair | null,
  user: string,
  args: string[],
  options: { input?: string | Buffer; extra?: string[]; timeoutMs?: number } = {},
): Promise<SshResult> {
  // ssh keeps the first value given for an option: the caller's come first.
  const child = spawn('ssh', [
    ...(options.extra ?? []),
    ...sshOptions(port, key),
    `${user}@127.0.0.1`,
    ...args,
  ])
  return complete(child, options.input, options.timeoutMs)
}

export function complete(
  child: ChildProcessWithoutNullStreams,
  input?: string | Buffer,
  timeoutMs = 60_000,
): Promise<SshResult> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (d: Buffer) => out.push(d))
  child.stderr.on('data', (d: Buffer) => err.push(d))
  if (input !== undefined) child.stdin.end(input)
  else child.stdin.end()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`ssh did not finish: ${Buffer.concat(out)} ${Buffer.concat(err).toString().slice(-3000)}`),
      )
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })
    })
  })
}

/** An interactive `ssh -tt` whose output can be waited on. */
export function interactive(port: number, key: KeyPair, user: string) {
  const child = spawn('ssh', ['-tt', ...sshOptions(port, key), `${user}@127.0.0.1`])
  let output = ''
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    child,
    closed,
    get output() {
      return output
    },
    write: (text: string) => child.stdin.write(text),
    async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(output)}`)
        if (child.exitCode !== null) throw new Error(`ssh exited: ${JSON.stringify(output)}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
  }
}
