import { type ChildProcess, execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import { promisify } from 'node:util'
import { type WebSocket, WebSocketServer } from 'ws'

/**
 * The fake API server's `pods/exec`, speaking the real channel protocol over WebSocket: the
 * client offers `v5.channel.k8s.io` and/or `v4.channel.k8s.io`; every binary message starts with
 * its channel byte — 0 stdin, 1 stdout, 2 stderr, 3 status (a v1 Status: Success, or Failure
 * with reason NonZeroExitCode and the code in details.causes[ExitCode]), 4 resize
 * (`{"Width":…,"Height":…}`), and in v5 only 255 close (`[255, 0]` ends stdin). After the status
 * the server closes the connection.
 *
 * The "container" is a real local process started in a per-pod directory that stands in for the
 * container's filesystem: byte-exact pipes without a TTY; with one, util-linux `script` gives it
 * a real pseudo-terminal (echo, line discipline, job control) and resizes are applied to that
 * terminal with `stty -F`, which signals SIGWINCH like a kubelet's resize does. Processes run in
 * their own process group, as a container's exec'd processes do, and live on when the client
 * disconnects — as on a real cluster.
 */

export type ExecProtocol = 'v5.channel.k8s.io' | 'v4.channel.k8s.io'

export interface ExecQuery {
  command: string[]
  container: string
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

const run = promisify(execFile)

export class FakeExecEndpoint {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => this.pick(offered),
  })
  private readonly processes = new Set<ChildProcess>()
  /** Protocols this fake speaks, best first (tests narrow it to v4 to see the fallback) */
  protocols: ExecProtocol[] = ['v5.channel.k8s.io', 'v4.channel.k8s.io']
  /** Every exec started: what ran and on which protocol */
  readonly started: { pod: string; command: string[]; tty: boolean; protocol: string }[] = []

  constructor(private readonly rootOf: (pod: string) => string) {}

  /** Processes started by exec that have not ended yet. */
  get running(): number {
    return this.processes.size
  }

  close(): void {
    for (const child of this.processes) killGroup(child, 'SIGKILL')
    this.processes.clear()
    for (const client of this.wss.clients) client.terminate()
    this.wss.close()
  }

  /** Upgrades the request and runs the command; the caller checked the route, auth and the pod. */
  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer, pod: string, query: ExecQuery): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
    if (!this.protocols.some((p) => offered.includes(p))) {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\n\r\nno supported channel protocol\n',
      )
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.session(ws, pod, query))
  }

  private pick(offered: Set<string>): string | false {
    return this.protocols.find((p) => offered.has(p)) ?? false
  }

  private session(ws: WebSocket, pod: string, query: ExecQuery): void {
    const protocol = ws.protocol
    this.started.push({ pod, command: query.command, tty: query.tty, protocol })
    const cwd = this.rootOf(pod)
    fs.mkdirSync(cwd, { recursive: true })
    const [file, ...args] = query.tty
      ? ['script', '-qefc', query.command.map(shellQuote).join(' '), '/dev/null']
      : query.command
    let child: ChildProcess
    try {
      child = spawn(file!, args, {
        cwd,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, TERM: 'xterm' },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      })
    } catch (error) {
      this.fail(ws, `error executing command ${JSON.stringify(query.command)}: ${String(error)}`)
      return
    }
    this.processes.add(child)
    const send = (channel: number, data: Buffer) => {
      if (ws.readyState !== ws.OPEN) return
      const frame = Buffer.allocUnsafe(data.length + 1)
      frame[0] = channel
      data.copy(frame, 1)
      ws.send(frame)
    }
    // Like the API server, an empty frame on each output channel says the stream is open.
    send(1, Buffer.alloc(0))
    if (query.stderr && !query.tty) send(2, Buffer.alloc(0))
    child.stdout!.on('data', (chunk: Buffer) => send(1, chunk))
    child.stderr!.on('data', (chunk: Buffer) => send(query.tty ? 1 : 2, chunk))
    // Backpressure: stop reading the process while the client is behind.
    const drainTimer = setInterval(() => {
      const behind = ws.bufferedAmount > 1 << 20
      for (const s of [child.stdout!, child.stderr!]) behind ? s.pause() : s.resume()
    }, 5)
    // Messages are handled in the order they came: input after a resize meets the new window.
    let inOrder = Promise.resolve()
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return
      const channel = data[0]
      const payload = data.subarray(1)
      inOrder = inOrder.then(async () => {
        if (channel === 0 && query.stdin) child.stdin!.write(payload)
        else if (channel === 4 && query.tty) await this.resize(child, payload)
        else if (channel === 255 && protocol === 'v5.channel.k8s.io' && payload[0] === 0) child.stdin!.end()
      })
    })
    child.stdin!.on('error', () => {})
    let outputs = 2
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
    const done = () => {
      if (outputs > 0 || !exit) return
      clearInterval(drainTimer)
      this.processes.delete(child)
      const code = exit.code ?? (exit.signal ? 128 + signalNumber(exit.signal) : 1)
      this.status(ws, code, query.command)
    }
    for (const s of [child.stdout!, child.stderr!])
      s.on('close', () => {
        outputs--
        done()
      })
    child.on('error', (error) => {
      clearInterval(drainTimer)
      this.processes.delete(child)
      this.fail(ws, `error executing command ${JSON.stringify(query.command)}: ${error.message}`)
    })
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      done()
    })
    // The client going away does not end the process (a kubelet does not either).
    ws.on('close', () => clearInterval(drainTimer))
  }

  /** Applies `{"Width":…,"Height":…}` to the process's terminal, which signals SIGWINCH. */
  private async resize(child: ChildProcess, payload: Buffer): Promise<void> {
    let size: { Width?: number; Height?: number }
    try {
      size = JSON.parse(payload.toString('utf8'))
    } catch {
      return
    }
    const pts = await terminalOf(child)
    if (!pts || !size.Width || !size.Height) return
    await run('stty', ['-F', pts, 'cols', String(size.Width), 'rows', String(size.Height)]).catch(() => {})
  }

  private status(ws: WebSocket, code: number, command: string[]): void {
    const status =
      code === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
          }
    this.sendStatus(ws, status)
  }

  private fail(ws: WebSocket, message: string): void {
    this.sendStatus(ws, { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 })
  }

  private sendStatus(ws: WebSocket, status: object): void {
    if (ws.readyState !== ws.OPEN) return
    ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]))
    ws.close(1000)
  }
}

/** The pseudo-terminal `script` opened for its child, e.g. /dev/pts/3. */
async function terminalOf(child: ChildProcess): Promise<string | null> {
  for (let attempt = 0; attempt < 50 && child.pid; attempt++) {
    try {
      const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim()
      const first = children.split(' ')[0]
      if (first) return fs.readlinkSync(`/proc/${first}/fd/0`)
    } catch {
      /* not started yet */
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  return null
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal)
  } catch {
    /* already gone */
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }
  return numbers[signal] ?? 0
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`
}
