import type { TerminalSize } from '../exec.js'

/**
 * The simulated runtime's shell: no container runs, so there is nothing to exec into, but the
 * terminal, the SSH gateway and their tests still need something honest at the other end. This
 * is a tiny deterministic shell that says it is a simulation and knows a handful of builtins —
 * echo, printf-free `$((…))` arithmetic, exit, true/false, cat, read, sleep, stty size, pwd, cd,
 * env, whoami, hostname, clear, help — and answers anything else with "not available in the
 * simulation" (status 127). With a terminal it also plays the terminal's part: it echoes what is
 * typed, handles Backspace, Ctrl-C, Ctrl-U and Ctrl-D, and turns "\n" into "\r\n".
 *
 * Scripts support `;`, `&&`, `||`, single and double quotes, `$VAR`, `$?`, `$((arithmetic))` and
 * the redirection `>&2`; nothing touches a filesystem, because there is none.
 */

export interface SimShellOptions {
  /** argv, or null for an interactive shell */
  command: string[] | null
  tty: boolean
  size: TerminalSize
  /** Shown in the banner and by `hostname` */
  hostname: string
  image: string
  env: Record<string, string>
  output(stream: 'stdout' | 'stderr', data: Buffer): void
  exit(code: number): void
}

const SHELLS = new Set(['sh', 'bash', '/bin/sh', '/bin/bash', '/usr/bin/bash', '/usr/bin/sh'])
const PROMPT = 'simulated:~$ '
/** What a process killed by SIGHUP (its terminal went away) exits with */
export const HANGUP_STATUS = 129
const INTERRUPTED_STATUS = 130

class Interrupted extends Error {}
class ExitRequested extends Error {
  constructor(readonly code: number) {
    super('exit')
  }
}

export class SimShell {
  private size: TerminalSize
  private status = 0
  private cwd = '/workspace'
  private readonly vars: Record<string, string>
  /** Input the running builtin has not consumed yet (raw bytes, or finished lines with a tty) */
  private pending: Buffer = Buffer.alloc(0)
  private inputEnded = false
  private line = ''
  private wake: (() => void) | null = null
  private interrupt: (() => void) | null = null
  /** A command line is being run (from the moment it was read) */
  private busy: boolean
  private interruptPending = false
  private ended = false
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly o: SimShellOptions) {
    this.size = o.size
    this.busy = o.command !== null
    this.vars = {
      HOME: '/root',
      USER: 'root',
      PWD: this.cwd,
      SHELL: '/bin/sh',
      NEUROPOD_SIMULATED: 'true',
      ...o.env,
    }
    void this.main()
  }

  /** Bytes typed or piped into the shell. */
  input(data: Buffer): void {
    if (this.ended) return
    if (!this.o.tty) {
      this.pending = Buffer.concat([this.pending, data])
      this.poke()
      return
    }
    for (const byte of data) this.terminalByte(byte)
  }

  endInput(): void {
    this.inputEnded = true
    this.poke()
  }

  resize(size: TerminalSize): void {
    this.size = size
  }

  /** The session closed: the shell ends as if its terminal hung up. */
  hangUp(): void {
    this.finish(HANGUP_STATUS)
  }

  // ---------------------------------------------------------------- the terminal's part

  private terminalByte(byte: number): void {
    if (byte === 0x03) {
      // Ctrl-C: like a terminal's INTR, drop the line and what was typed ahead, interrupt what runs.
      this.write('stdout', '^C\n')
      this.line = ''
      this.pending = Buffer.alloc(0)
      if (this.interrupt) this.interrupt()
      else if (this.busy) {
        // Between reading a line and its builtin waiting (or after it ended): the next wait is
        // interrupted, and the status says so, as a shell that got SIGINT there would.
        this.interruptPending = true
        this.status = INTERRUPTED_STATUS
      } else {
        this.status = INTERRUPTED_STATUS
        this.prompt()
      }
      return
    }
    if (byte === 0x04) {
      if (this.line === '') this.endInput()
      return
    }
    if (byte === 0x7f || byte === 0x08) {
      if (this.line.length > 0) {
        this.line = this.line.slice(0, -1)
        this.write('stdout', '\b \b')
      }
      return
    }
    if (byte === 0x15) {
      this.write('stdout', '\b \b'.repeat(this.line.length))
      this.line = ''
      return
    }
    if (byte === 0x0d || byte === 0x0a) {
      this.write('stdout', '\n')
      this.pending = Buffer.concat([this.pending, Buffer.from(`${this.line}\n`)])
      this.line = ''
      this.poke()
      return
    }
    if (byte < 0x20) return // other control characters (arrows send ESC sequences) are ignored
    const char = String.fromCharCode(byte)
    this.line += char
    this.write('stdout', char)
  }

  private write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.ended) return
    const out = this.o.tty ? text.replace(/\r?\n/g, '\r\n') : text
    this.o.output(this.o.tty ? 'stdout' : stream, Buffer.from(out, 'utf8'))
  }

  private prompt(): void {
    if (this.o.tty && this.o.command === null) this.write('stdout', PROMPT)
  }

  // ---------------------------------------------------------------- running

  private async main(): Promise<void> {
    try {
      const [first, flag, script] = this.o.command ?? []
      if (this.o.command && first && SHELLS.has(first) && flag === '-c') await this.run(script ?? '')
      else if (this.o.command) await this.run(this.o.command.map(quote).join(' '))
      else await this.interactive()
      this.finish(this.status)
    } catch (error) {
      if (error instanceof ExitRequested) this.finish(error.code)
      else this.finish(error instanceof Interrupted ? INTERRUPTED_STATUS : 1)
    }
  }

  private async interactive(): Promise<void> {
    if (this.o.tty) {
      this.write(
        'stdout',
        `NeuroPod simulated shell on ${this.o.hostname}: this server runs the simulated runtime, so no\n` +
          `container runs and image ${this.o.image} was never pulled. A few builtins work (type help).\n`,
      )
    }
    for (;;) {
      this.prompt()
      const line = await this.readLine(false)
      if (line === null) return
      await this.run(line).catch((error) => {
        if (error instanceof Interrupted) this.status = INTERRUPTED_STATUS
        else throw error
      })
      this.busy = false
      this.interruptPending = false
    }
  }

  private async run(script: string): Promise<void> {
    for (const { words, next } of parseScript(script)) {
      const code = await this.command(words.map((w) => this.expand(w)))
      this.status = code
      // `a && b` skips b after a failure; `a || b` skips b after a success.
      if ((next === '&&' && code !== 0) || (next === '||' && code === 0)) {
        return
      }
    }
  }

  private async command(argv: string[]): Promise<number> {
    let toStderr = false
    const args = argv.filter((a) => {
      if (a === '>&2' || a === '1>&2') toStderr = true
      return a !== '>&2' && a !== '1>&2'
    })
    const out = (text: string) => this.write(toStderr ? 'stderr' : 'stdout', text)
    const err = (text: string) => this.write('stderr', text)
    const [name, ...rest] = args
    switch (name) {
      case undefined:
        return this.status
      case 'echo': {
        const noNewline = rest[0] === '-n'
        out(`${(noNewline ? rest.slice(1) : rest).join(' ')}${noNewline ? '' : '\n'}`)
        return 0
      }
      case 'exit':
        throw new ExitRequested(
          rest[0] === undefined ? this.status : (Number.parseInt(rest[0], 10) || 0) & 255,
        )
      case 'true':
      case ':':
        return 0
      case 'false':
        return 1
      case 'pwd':
        out(`${this.cwd}\n`)
        return 0
      case 'cd':
        this.cwd = rest[0]?.startsWith('/') ? rest[0] : this.vars.HOME!
        this.vars.PWD = this.cwd
        return 0
      case 'whoami':
        out(`${this.vars.USER}\n`)
        return 0
      case 'hostname':
        out(`${this.o.hostname}\n`)
        return 0
      case 'env':
        out(
          `${Object.entries(this.vars)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n')}\n`,
        )
        return 0
      case 'clear':
        out('\x1b[H\x1b[2J')
        return 0
      case 'stty':
        if (rest[0] === 'size') {
          out(`${this.size.rows} ${this.size.cols}\n`)
          return 0
        }
        err('stty: only "stty size" is simulated\n')
        return 1
      case 'sleep':
        await this.sleep(Number.parseFloat(rest[0] ?? '0') * 1000)
        return 0
      case 'read': {
        const line = await this.readLine()
        if (line === null) return 1
        if (rest[0]) this.vars[rest[0]] = line
        return 0
      }
      case 'cat':
        if (rest.length > 0) {
          err(`cat: ${rest[0]}: there is no filesystem in the simulation\n`)
          return 1
        }
        await this.copyInput()
        return 0
      case 'help':
        out(
          'Simulated runtime: no container runs. Builtins: echo, exit, true, false, pwd, cd, whoami,\n' +
            'hostname, env, clear, stty size, sleep, read, cat (stdin only), help; $VAR, $?, $((1+2)),\n' +
            '; && || and >&2. Set NEUROPOD_RUNTIME=docker or kubernetes to run real pods.\n',
        )
        return 0
      default:
        err(`sim-sh: ${name}: not available in the simulation (no container runs)\n`)
        return 127
    }
  }

  // ---------------------------------------------------------------- expansion

  private expand(word: Word): string {
    if (word.quoted === 'single') return word.text
    return word.text.replace(
      /\$\(\(([^()]*(?:\([^()]*\)[^()]*)*)\)\)|\$\?|\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
      (_m, arith, name, braced) => {
        if (arith !== undefined) {
          const value = arithmetic(
            arith.replace(/\$?([A-Za-z_][A-Za-z0-9_]*)/g, (_v: string, n: string) => this.vars[n] ?? '0'),
          )
          return value === null ? '0' : String(value)
        }
        if (name !== undefined || braced !== undefined) return this.vars[name ?? braced] ?? ''
        return String(this.status)
      },
    )
  }

  // ---------------------------------------------------------------- input

  private poke(): void {
    const wake = this.wake
    this.wake = null
    if (wake) this.interrupt = null
    wake?.()
  }

  /** Waits for more input (or its end); a builtin's wait (not the prompt's) rejects on Ctrl-C. */
  private more(interruptible: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (interruptible && this.takeInterrupt()) return reject(new Interrupted())
      this.wake = () => resolve()
      if (!interruptible) return
      this.interrupt = () => {
        this.interrupt = null
        this.wake = null
        reject(new Interrupted())
      }
    })
  }

  /** A Ctrl-C that came before the builtin it interrupts began to wait. */
  private takeInterrupt(): boolean {
    const pending = this.interruptPending
    this.interruptPending = false
    return pending
  }

  private async readLine(interruptible = true): Promise<string | null> {
    for (;;) {
      const newline = this.pending.indexOf(0x0a)
      if (newline >= 0) {
        const line = this.pending.subarray(0, newline).toString('utf8').replace(/\r$/, '')
        this.pending = this.pending.subarray(newline + 1)
        if (!interruptible) this.busy = true
        return line
      }
      if (this.inputEnded || this.ended) {
        if (this.pending.length === 0) return null
        const rest = this.pending.toString('utf8')
        this.pending = Buffer.alloc(0)
        return rest
      }
      await this.more(interruptible)
    }
  }

  /** `cat` without arguments: stdin to stdout until EOF, byte for byte. */
  private async copyInput(): Promise<void> {
    for (;;) {
      if (this.pending.length > 0) {
        const chunk = this.pending
        this.pending = Buffer.alloc(0)
        if (this.o.tty) this.write('stdout', chunk.toString('utf8'))
        else this.o.output('stdout', chunk)
      }
      if (this.inputEnded || this.ended) return
      await this.more(true)
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.takeInterrupt()) return reject(new Interrupted())
      const timer = setTimeout(
        () => {
          this.timers.delete(timer)
          this.interrupt = null
          resolve()
        },
        Math.max(0, Math.min(ms, 86_400_000)),
      )
      this.timers.add(timer)
      this.interrupt = () => {
        clearTimeout(timer)
        this.timers.delete(timer)
        this.interrupt = null
        reject(new Interrupted())
      }
    })
  }

  private finish(code: number): void {
    if (this.ended) return
    this.ended = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.poke()
    this.o.exit(code)
  }
}

// ---------------------------------------------------------------- parsing

interface Word {
  text: string
  quoted: 'single' | 'double' | null
}

interface SimpleCommand {
  words: Word[]
  /** The operator after this command */
  next: ';' | '&&' | '||' | null
}

/** Splits a script into simple commands and their words (quotes kept as a marker per word). */
export function parseScript(script: string): SimpleCommand[] {
  const commands: SimpleCommand[] = []
  let words: Word[] = []
  let text = ''
  let quoted: Word['quoted'] = null
  let inWord = false
  const endWord = () => {
    if (inWord) words.push({ text, quoted })
    text = ''
    quoted = null
    inWord = false
  }
  const endCommand = (next: SimpleCommand['next']) => {
    endWord()
    if (words.length > 0 || next !== null) commands.push({ words, next })
    words = []
  }
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!
    if (c === "'" || c === '"') {
      const close = script.indexOf(c, i + 1)
      const end = close < 0 ? script.length : close
      text += script.slice(i + 1, end)
      quoted = c === "'" ? 'single' : 'double'
      inWord = true
      i = end
    } else if (c === '$' && script.startsWith('$((', i)) {
      const close = script.indexOf('))', i)
      const end = close < 0 ? script.length : close + 2
      text += script.slice(i, end)
      inWord = true
      i = end - 1
    } else if (c === ';' || c === '\n') endCommand(';')
    else if ((c === '&' || c === '|') && script[i + 1] === c) {
      endCommand(c === '&' ? '&&' : '||')
      i++
    } else if (c === ' ' || c === '\t') endWord()
    else {
      text += c
      inWord = true
    }
  }
  endCommand(null)
  return commands.filter((c) => c.words.length > 0)
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`
}

/** Integer arithmetic of `$((…))`: + - * / % and parentheses; null when it does not parse. */
export function arithmetic(expression: string): number | null {
  const tokens = expression.match(/\d+|[-+*/%()]/g) ?? []
  if (tokens.join('') !== expression.replace(/\s+/g, '')) return null
  let pos = 0
  const peek = () => tokens[pos]
  const factor = (): number => {
    const t = tokens[pos++]
    if (t === '-') return -factor()
    if (t === '+') return factor()
    if (t === '(') {
      const v = sum()
      if (tokens[pos++] !== ')') throw new Error('unbalanced')
      return v
    }
    if (t === undefined || !/^\d+$/.test(t)) throw new Error('number expected')
    return Number(t)
  }
  const product = (): number => {
    let v = factor()
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = tokens[pos++]
      const r = factor()
      if ((op === '/' || op === '%') && r === 0) throw new Error('division by zero')
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r
    }
    return v
  }
  const sum = (): number => {
    let v = product()
    while (peek() === '+' || peek() === '-') v = tokens[pos++] === '+' ? v + product() : v - product()
    return v
  }
  try {
    const value = sum()
    return pos === tokens.length ? value : null
  } catch {
    return null
  }
}
