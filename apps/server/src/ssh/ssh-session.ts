import { finished } from 'node:stream/promises'
import type { ServerChannel, Session } from 'ssh2'
import type { Logger } from '../lib/logger.js'
import { type ExecSession, ExecUnavailableError, type TerminalSize } from '../runtime/exec.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'
import type { ShellSessions } from '../shell/shell-sessions.js'
import type { SshIdentity } from './ssh-auth.js'

/** Where images keep OpenSSH's sftp-server (Debian/Ubuntu, Fedora/RHEL, Arch, Alpine). */
export const SFTP_SERVER_PATHS = [
  '/usr/lib/openssh/sftp-server',
  '/usr/libexec/openssh/sftp-server',
  '/usr/lib/ssh/sftp-server',
  '/usr/libexec/sftp-server',
  '/usr/lib/sftp-server',
]
export const NO_SFTP_SERVER =
  "This pod's image has no sftp-server, which scp and sftp need: install it in the image (Debian/Ubuntu: openssh-sftp-server, Alpine: openssh-sftp-server, Fedora: openssh-server)."

/** A probe that prints the path of the image's sftp-server, or nothing when it has none. */
export function sftpProbeCommand(): string[] {
  const tries = SFTP_SERVER_PATHS.map((p) => `[ -x ${p} ] && echo ${p} && exit 0`).join('; ')
  return ['/bin/sh', '-c', `${tries}; command -v sftp-server; exit 0`]
}

/**
 * Where the pod's sftp-server is, or null. A separate exec that reads no stdin: running the
 * lookup in the same exec as the server raced the client's first SFTP packet against a shell
 * that had already exited (the engine then reported a broken pipe instead of our message).
 */
async function findSftpServer(runtime: PodRuntime, podId: string): Promise<string | null> {
  const probe = await runtime.exec({ podId, command: sftpProbeCommand(), tty: false })
  probe.stdin.end()
  probe.stderr.resume()
  let out = ''
  probe.stdout.setEncoding('utf8')
  probe.stdout.on('data', (chunk: string) => {
    out += chunk
  })
  await probe.exit
  await finished(probe.stdout).catch(() => {})
  const found = out.trim().split('\n')[0]?.trim() ?? ''
  return found.startsWith('/') ? found : null
}

/** How long a revoked connection may stay up after its channels closed (see `close` below). */
const DISCONNECT_GRACE_MS = 2000

/** How long the exit status waits for the last output to be sent (a stuck reader must not keep the session open). */
const OUTPUT_DRAIN_MS = 5000

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const MAX_ENV = 32

/**
 * One SSH session channel: the requests before the program (pty, env), then a shell, a command or
 * the sftp subsystem run as an exec in the pod, with window changes and the exit status.
 */
export function serveSession(
  session: Session,
  deps: {
    identity: SshIdentity
    runtime: PodRuntime
    shells: ShellSessions
    log: Logger
    remoteAddress: string
    /** Ends the whole SSH connection (the user's access was revoked) */
    disconnect: () => void
  },
): void {
  let pty: { term: string; size: TerminalSize } | null = null
  const env: Record<string, string> = {}
  let exec: ExecSession | null = null

  session.on('pty', (accept, _reject, info) => {
    pty = { term: info.term || 'xterm-256color', size: { cols: info.cols || 80, rows: info.rows || 24 } }
    accept?.()
  })
  session.on('env', (accept, reject, info) => {
    if (ENV_NAME.test(info.key) && Object.keys(env).length < MAX_ENV && info.val.length <= 4096) {
      env[info.key] = info.val
      accept?.()
    } else reject?.()
  })
  session.on('window-change', (accept, _reject, info) => {
    accept?.()
    const size = { cols: info.cols, rows: info.rows }
    if (pty) pty.size = size
    void exec?.resize(size).catch(() => {})
  })
  session.on('signal', (accept) => accept?.())
  session.on('auth-agent', (_accept, reject) => reject?.())
  session.on('x11', (_accept, reject) => reject?.())

  session.on('shell', (accept) => void run(accept(), null, 'shell'))
  session.on('exec', (accept, _reject, info) => void run(accept(), ['/bin/sh', '-c', info.command], 'exec'))
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== 'sftp') return reject?.()
    void run(accept(), 'sftp', 'sftp')
  })

  /** `'sftp'` runs the image's sftp-server, found by a probe first */
  async function run(
    channel: ServerChannel,
    program: string[] | null | 'sftp',
    detail: 'shell' | 'exec' | 'sftp',
  ) {
    const { identity } = deps
    // sftp speaks a binary protocol: never through a terminal.
    const terminal = detail === 'sftp' ? null : pty
    let closedBy: string | null = null
    const handle = await deps.shells.start({
      userId: identity.owner.userId,
      podId: identity.pod.id,
      kind: 'ssh',
      detail,
      remoteAddress: deps.remoteAddress,
      sshKeyId: identity.owner.keyId,
      close: (reason) => {
        closedBy = reason
        // The channel closes first, the connection a moment later: OpenSSH's client exits on a
        // disconnect without printing output it has received but not yet written, so the reason
        // would be lost. Its only session closing ends a plain `ssh` by itself.
        channel.stderr.write(`\r\n${reason}\r\n`)
        void exec?.close()
        channel.end()
        setTimeout(deps.disconnect, DISCONNECT_GRACE_MS).unref()
      },
    })
    try {
      try {
        let command: string[] | null
        if (program === 'sftp') {
          const server = await findSftpServer(deps.runtime, identity.pod.id)
          if (!server) {
            channel.stderr.write(`${NO_SFTP_SERVER}\r\n`)
            channel.exit(1)
            channel.end()
            return
          }
          command = [server]
        } else command = program
        exec = await deps.runtime.exec({
          podId: identity.pod.id,
          command,
          tty: terminal !== null,
          ...(terminal ? { size: terminal.size } : {}),
          env: { ...env, ...(terminal ? { TERM: terminal.term } : {}) },
        })
      } catch (error) {
        const message =
          error instanceof ExecUnavailableError ? error.message : 'The pod could not be reached; try again'
        if (!(error instanceof ExecUnavailableError)) deps.log.error({ err: error }, 'ssh exec failed')
        channel.stderr.write(`${message}\r\n`)
        channel.exit(1)
        channel.end()
        return
      }
      const running = exec
      if (closedBy) void running.close()
      channel.on('close', () => {
        void running.close()
        // Nobody reads the output any more: let it drain, so the streams end and the session is
        // recorded as ended (an unread stream never ends).
        running.stdout.resume()
        running.stderr.resume()
      })
      channel.on('data', () => handle.active())
      running.stdout.on('data', () => handle.active())
      channel.pipe(running.stdin)
      running.stdout.pipe(channel, { end: false })
      running.stderr.pipe(channel.stderr, { end: false })
      const exit = await running.exit
      // The exit status goes after the last byte of output.
      // Closed from outside: the output has nowhere to go.
      if (!closedBy)
        await Promise.race([
          Promise.all([finished(running.stdout), finished(running.stderr)]).catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, OUTPUT_DRAIN_MS).unref()),
        ])
      if (exit.code !== null) channel.exit(exit.code)
      else if (exit.reason && !closedBy) channel.stderr.write(`${exit.reason}\r\n`)
      channel.end()
    } finally {
      await handle.end()
    }
  }
}
