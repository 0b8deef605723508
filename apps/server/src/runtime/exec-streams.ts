import { Readable, Writable } from 'node:stream'
import type { ExecExit, ExecSession, TerminalSize } from './exec.js'

/**
 * The ExecSession every adapter returns, over whatever carries the bytes (a hijacked Docker
 * connection, a Kubernetes channel WebSocket, the simulation's shell). The adapter supplies a
 * transport and reports output and the end; this class gives the caller node streams with
 * backpressure both ways, and ends the process on close().
 *
 * Container engines do not end an exec'd process when its client goes away (Docker, Podman and
 * the kubelet all leave it running), so adapters start commands through `wrapCommand`: a shell
 * that prints its pid on the first line and then execs the command in its place. The session
 * strips that line and, on close(), has the adapter signal the pid's process group (hang-up,
 * then kill) from a second exec.
 */

export interface ExecTransport {
  /** Sends bytes to the process's stdin; `done` once more may be sent */
  write(chunk: Buffer, done: (error?: Error | null) => void): void
  /** Closes the process's stdin (EOF) */
  endInput(): void
  resize(size: TerminalSize): Promise<void>
  /** Stops delivering output until resume() (a reader is behind) */
  pause(): void
  resume(): void
  /** Drops the connection; the adapter then reports the end */
  destroy(): void
}

export interface ExecStreamsOptions {
  /** Ends the wrapped process group with this pid inside the container; absent: destroy() ends it */
  kill?: (pid: number) => Promise<void>
  /** How long close() waits for the process to end before dropping the connection */
  closeGraceMs?: number
  /** Whether stdout starts with the pid line of `wrapCommand` */
  wrapped: boolean
}

const PID_LINE = /^NEUROPOD-EXEC (\d+)\r?$/
const PID_LINE_MAX = 64
const CLOSE_GRACE_MS = 5000
/** Output buffered before the transport is paused: a few SSH windows' worth, not 16 KiB (bulk copies stalled and resumed the engine's stream every chunk). */
const OUTPUT_BUFFER = 1024 * 1024

export class ExecStreams implements ExecSession {
  readonly stdin: Writable
  readonly stdout: Readable
  readonly stderr: Readable
  readonly exit: Promise<ExecExit>
  private transport: ExecTransport | null = null
  private settle!: (exit: ExecExit) => void
  private ended: ExecExit | null = null
  private closing: Promise<ExecExit> | null = null
  private pid: number | null = null
  /** Output before the pid line was recognised */
  private head: Buffer | null
  private markReady!: () => void
  /** Resolves once the pid line was read (or there is none): stdin waits for it */
  private readonly ready: Promise<void>

  constructor(private readonly options: ExecStreamsOptions) {
    this.exit = new Promise((resolve) => {
      this.settle = resolve
    })
    this.ready = new Promise((resolve) => {
      this.markReady = resolve
    })
    this.head = options.wrapped ? Buffer.alloc(0) : null
    if (!options.wrapped) this.markReady()
    // A stream asks for more (`read`) unless its reader is behind; the transport resumes then,
    // unless the other stream's reader is behind (its own `read` resumes it later). A stream's
    // own length is not a guide: Node calls `read` before it removes the bytes it hands out, so
    // a check of it saw a full buffer, never resumed, and the output stalled for good.
    const resumeFor = (other: () => Readable) => () => {
      const o = other()
      if (o.readableLength < o.readableHighWaterMark) this.transport?.resume()
    }
    this.stdout = new Readable({ read: resumeFor(() => this.stderr), highWaterMark: OUTPUT_BUFFER })
    this.stderr = new Readable({ read: resumeFor(() => this.stdout), highWaterMark: OUTPUT_BUFFER })
    this.stdin = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        void this.ready.then(() => {
          if (this.ended || !this.transport) return callback()
          this.transport.write(chunk, (error) => callback(this.ended ? null : error))
        })
      },
      final: (callback) => {
        void this.ready.then(() => {
          if (!this.ended) this.transport?.endInput()
          callback()
        })
      },
    })
    // A consumer that stops reading must not crash the process with an unhandled stream error.
    this.stdin.on('error', () => {})
  }

  /** Connects the transport; output reported before this is kept. */
  attach(transport: ExecTransport): void {
    this.transport = transport
  }

  /** The adapter received output from the process. */
  output(channel: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.ended) return
    if (channel === 'stdout' && this.head) {
      chunk = this.readPidLine(chunk)
      if (chunk.length === 0) return
    }
    const stream = channel === 'stdout' ? this.stdout : this.stderr
    if (!stream.push(chunk)) this.transport?.pause()
  }

  /** The process ended (or the connection was lost): ends both streams and settles `exit`. */
  finish(exit: ExecExit): void {
    if (this.ended) return
    if (this.head && this.head.length > 0) this.stdout.push(this.head)
    this.head = null
    this.ended = exit
    this.markReady()
    this.stdout.push(null)
    this.stderr.push(null)
    this.settle(exit)
  }

  async resize(size: TerminalSize): Promise<void> {
    if (!this.ended) await this.transport?.resize(size)
  }

  close(): Promise<ExecExit> {
    if (this.ended) return Promise.resolve(this.ended)
    this.closing ??= this.end()
    return this.closing
  }

  private async end(): Promise<ExecExit> {
    const grace = this.options.closeGraceMs ?? CLOSE_GRACE_MS
    // Closed right after it started: the pid line is on its way.
    await Promise.race([this.ready, delay(grace)])
    if (this.pid !== null && this.options.kill) await this.options.kill(this.pid).catch(() => {})
    else this.transport?.destroy()
    const ended = await Promise.race([this.exit, delay(grace).then(() => null)])
    if (ended) return ended
    this.transport?.destroy()
    this.finish({ code: null, reason: 'The session was closed before the process ended' })
    return this.exit
  }

  /** Consumes the wrapper's first line; returns the output that follows it. */
  private readPidLine(chunk: Buffer): Buffer {
    const head = Buffer.concat([this.head!, chunk])
    const newline = head.indexOf(0x0a)
    if (newline < 0 && head.length < PID_LINE_MAX) {
      this.head = head
      return Buffer.alloc(0)
    }
    this.head = null
    this.markReady()
    const match = newline >= 0 ? PID_LINE.exec(head.subarray(0, newline).toString('latin1')) : null
    if (!match) return head // not our wrapper's line (e.g. the shell failed first): pass it through
    this.pid = Number(match[1])
    return head.subarray(newline + 1)
  }
}

/**
 * argv that runs `command` (or the image's shell) through `/bin/sh`, printing its pid first.
 * `env` is exported and `size` applied to the terminal by the wrapper itself, for runtimes whose
 * exec has neither (Kubernetes).
 */
export function wrapCommand(
  command: string[] | null,
  options: { env?: Record<string, string>; size?: TerminalSize } = {},
): string[] {
  const exports = Object.entries(options.env ?? {})
    .filter(([name]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    .map(([name, value]) => `export ${name}=${shellQuote(value)}; `)
    .join('')
  const window = options.size
    ? `stty cols ${Math.trunc(options.size.cols)} rows ${Math.trunc(options.size.rows)} 2>/dev/null; `
    : ''
  const run = command ? 'exec "$@"' : 'if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh'
  return [
    '/bin/sh',
    '-c',
    `${exports}${window}echo "NEUROPOD-EXEC $$"; ${run}`,
    'neuropod-exec',
    ...(command ?? []),
  ]
}

/** argv that ends the wrapped process group `pid`: hang-up first, kill if it is still there. */
export function killCommand(pid: number): string[] {
  const p = String(Math.trunc(pid))
  const signal = (s: string) => `kill -${s} -${p} 2>/dev/null || kill -${s} ${p} 2>/dev/null`
  return ['/bin/sh', '-c', `${signal('HUP')}; sleep 1; ${signal('KILL')}; true`]
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref?.()
  })
