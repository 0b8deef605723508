import type { Readable, Writable } from 'node:stream'

/**
 * Running a process inside a pod: the part of the PodRuntime port that the web terminal, the SSH
 * gateway and file transfers (`tar` through stdin/stdout) share. Every adapter implements it on
 * its system's own exec (Docker Engine exec, Kubernetes `pods/exec`, the simulation's shell).
 *
 * - `command: null` opens the image's interactive shell: `bash` when the image has it, else `sh`.
 * - With `tty`, the process gets a terminal: stdout carries everything (stderr stays empty),
 *   `resize` changes its window, and the terminal echoes input as a real one does.
 * - Without `tty`, stdout and stderr are separate, byte-exact streams (binary safe, for tar).
 * - Output streams respect backpressure: a slow reader pauses the process's output.
 * - `exit` settles once the process ended and its output was delivered; `close()` ends the
 *   process (hang-up, then kill), so closing a browser tab or an SSH connection never leaves a
 *   shell running in the pod.
 */

export interface TerminalSize {
  cols: number
  rows: number
}

export interface ExecRequest {
  podId: string
  /** argv of the process; null opens the image's interactive shell */
  command: string[] | null
  tty: boolean
  /** Initial window (tty only); 80×24 when absent */
  size?: TerminalSize
  /** Added to the container's environment, e.g. TERM for a terminal */
  env?: Record<string, string>
}

export interface ExecExit {
  /** The process's exit status; null when it is unknown (closed before it ended, connection lost) */
  code: number | null
  /** Why there is no code, or what the runtime said about the end */
  reason: string | null
}

export interface ExecSession {
  /** Bytes to the process; `end()` closes its stdin (EOF) */
  readonly stdin: Writable
  readonly stdout: Readable
  /** Always empty with a tty: a terminal merges both streams into stdout */
  readonly stderr: Readable
  /** Resolves once the runtime applied (or refused) the new window */
  resize(size: TerminalSize): Promise<void>
  /** Settles once the process ended and its output was read (never rejects) */
  readonly exit: Promise<ExecExit>
  /** Ends the process and the streams; idempotent; resolves with the exit */
  close(): Promise<ExecExit>
}

/**
 * Why an exec cannot start: the pod has no running container, the runtime is unreachable, or
 * the image lacks what the request needs. The message is shown to the user as it is.
 */
export type ExecRefusal = 'not-running' | 'unreachable' | 'no-shell' | 'unsupported'

export class ExecUnavailableError extends Error {
  constructor(
    readonly refusal: ExecRefusal,
    message: string,
  ) {
    super(message)
    this.name = 'ExecUnavailableError'
  }
}

export const DEFAULT_TERMINAL: TerminalSize = { cols: 80, rows: 24 }

/** Terminal sizes outside this range are clamped (a window of 0 columns breaks shells). */
export function clampSize(size: TerminalSize | undefined): TerminalSize {
  const clamp = (n: number, fallback: number) =>
    Number.isFinite(n) ? Math.min(1000, Math.max(1, Math.round(n))) : fallback
  return size
    ? { cols: clamp(size.cols, DEFAULT_TERMINAL.cols), rows: clamp(size.rows, DEFAULT_TERMINAL.rows) }
    : DEFAULT_TERMINAL
}
