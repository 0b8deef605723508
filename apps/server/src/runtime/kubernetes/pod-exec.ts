import type http from 'node:http'
import WebSocket from 'ws'
import type { Logger } from '../../lib/logger.js'
import {
  clampSize,
  type ExecExit,
  type ExecRequest,
  type ExecSession,
  ExecUnavailableError,
  type TerminalSize,
} from '../exec.js'
import { ExecStreams, killCommand, wrapCommand } from '../exec-streams.js'
import type { ClusterWatch } from './cluster-watch.js'
import type { KubeClients } from './kube-client.js'
import { CONTAINER_NAME, objectNames } from './names.js'

/**
 * Exec in a pod's container through the API server's `pods/exec` subresource over WebSocket, the
 * channel protocol kubectl speaks: each binary message starts with its channel — 0 stdin,
 * 1 stdout, 2 stderr, 3 status (a v1 Status with the exit code), 4 resize — and, in
 * `v5.channel.k8s.io`, 255 close (half-closing stdin). `v4.channel.k8s.io` servers cannot be
 * told that stdin ended; the command then sees EOF only when the session closes.
 *
 * @kubernetes/client-node's Exec is not used: it writes output without backpressure, closes the
 * whole connection when stdin ends on v4, and ends process.stdout on a close frame.
 */

export interface PodExecOptions {
  clients: KubeClients
  namespace: string
  watch: ClusterWatch
  log: Logger
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io']
const STDIN = 0
const STDOUT = 1
const STDERR = 2
const STATUS = 3
const RESIZE = 4
const CLOSE = 255
const CONNECT_TIMEOUT_MS = 15_000

interface Status {
  status?: string
  message?: string
  reason?: string
  details?: { causes?: { reason?: string; message?: string }[] }
}

export async function kubeExec(o: PodExecOptions, request: ExecRequest): Promise<ExecSession> {
  const name = objectNames(request.podId).pod
  await o.watch.synced([o.watch.pods]).catch(() => {
    throw new ExecUnavailableError('unreachable', 'The Kubernetes API has not answered yet')
  })
  refuseUnlessRunning(o.watch, name)
  const size = clampSize(request.size)
  // Kubernetes exec has no environment or initial window of its own: the wrapper sets both.
  const command = wrapCommand(request.command, {
    ...(request.env ? { env: request.env } : {}),
    ...(request.tty ? { size } : {}),
  })
  const socket = await connect(o, name, command, request.tty, true)
  const session = new ExecStreams({
    wrapped: true,
    kill: (pid) => runToEnd(o, name, killCommand(pid)),
  })
  let status: Status | null = null
  session.attach({
    write: (chunk, done) => {
      if (socket.readyState !== WebSocket.OPEN) return done()
      socket.send(frame(STDIN, chunk), (error) => done(error ?? null))
    },
    endInput: () => {
      if (socket.protocol === 'v5.channel.k8s.io' && socket.readyState === WebSocket.OPEN)
        socket.send(Buffer.from([CLOSE, STDIN]))
    },
    resize: (s: TerminalSize) =>
      new Promise<void>((resolve) => {
        const { cols, rows } = clampSize(s)
        if (socket.readyState !== WebSocket.OPEN) return resolve()
        socket.send(frame(RESIZE, Buffer.from(JSON.stringify({ Width: cols, Height: rows }))), () =>
          resolve(),
        )
      }),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy: () => socket.terminate(),
  })
  socket.on('message', (data: Buffer) => {
    if (data.length < 2) return // an empty frame only says the channel is open
    const payload = data.subarray(1)
    if (data[0] === STDOUT) session.output('stdout', payload)
    else if (data[0] === STDERR) session.output('stderr', payload)
    else if (data[0] === STATUS) status = parseStatus(payload)
  })
  socket.on('close', () => session.finish(exitFrom(status)))
  socket.on('error', (error) => o.log.debug({ err: error, podId: request.podId }, 'exec connection failed'))
  return session
}

function refuseUnlessRunning(watch: ClusterWatch, name: string): void {
  const pod = watch.pods.get(name)
  if (!pod || pod.metadata?.deletionTimestamp)
    throw new ExecUnavailableError('not-running', 'The pod has no container on the cluster (it is stopped)')
  const state = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME)?.state
  if (!state?.running) {
    const why = state?.waiting?.reason ?? (state?.terminated ? 'it exited' : pod.status?.phase)
    throw new ExecUnavailableError(
      'not-running',
      `The pod’s container is not running${why ? ` (${why})` : ''}`,
    )
  }
}

/** Opens the exec WebSocket; refusals of the upgrade become ExecUnavailableError. */
async function connect(
  o: PodExecOptions,
  pod: string,
  command: string[],
  tty: boolean,
  stdin: boolean,
): Promise<WebSocket> {
  const query = new URLSearchParams()
  for (const part of command) query.append('command', part)
  query.set('container', CONTAINER_NAME)
  query.set('stdin', String(stdin))
  query.set('stdout', 'true')
  query.set('stderr', String(!tty))
  query.set('tty', String(tty))
  const base = o.clients.server.replace(/^http/, 'ws').replace(/\/$/, '')
  const url = `${base}/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${pod}/exec?${query}`
  // Credentials and TLS exactly as the typed clients use them (token, client certificate, CA).
  const options: WebSocket.ClientOptions & { headers?: Record<string, string> } = {}
  await o.clients.kc.applyToHTTPSOptions(options as never)
  const socket = new WebSocket(url, PROTOCOLS, {
    ...options,
    handshakeTimeout: CONNECT_TIMEOUT_MS,
    perMessageDeflate: false,
  })
  socket.binaryType = 'nodebuffer'
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_req, res) => {
      void readBody(res).then((body) => reject(upgradeRefused(res.statusCode ?? 0, body)))
    })
    socket.once('error', (error) =>
      reject(new ExecUnavailableError('unreachable', `The Kubernetes API is unreachable: ${error.message}`)),
    )
  })
}

/** Runs a helper command (the kill of a closed session) and waits for it to end. */
async function runToEnd(o: PodExecOptions, pod: string, command: string[]): Promise<void> {
  const socket = await connect(o, pod, command, false, false)
  await new Promise((resolve) => socket.once('close', resolve))
}

function frame(channel: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 1)
  out[0] = channel
  payload.copy(out, 1)
  return out
}

function parseStatus(payload: Buffer): Status | null {
  try {
    return JSON.parse(payload.toString('utf8')) as Status
  } catch {
    return null
  }
}

/** The exit code from the status channel's v1 Status. */
export function exitFrom(status: Status | null): ExecExit {
  if (!status) return { code: null, reason: 'The connection to the cluster ended before the process did' }
  if (status.status === 'Success') return { code: 0, reason: null }
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode')
  if (status.reason === 'NonZeroExitCode' && cause?.message && /^\d+$/.test(cause.message))
    return { code: Number(cause.message), reason: null }
  return { code: null, reason: status.message ?? 'The cluster reported a failure without a reason' }
}

function upgradeRefused(code: number, body: string): ExecUnavailableError {
  let message = body.trim().slice(0, 300)
  try {
    message = (JSON.parse(body) as Status).message ?? message
  } catch {
    /* plain text */
  }
  if (
    code === 404 ||
    (code === 400 && /container not found|not valid for pod|does not have a host/.test(message))
  )
    return new ExecUnavailableError('not-running', `The pod’s container is not running (${message})`)
  if (code === 403)
    return new ExecUnavailableError(
      'unsupported',
      `The cluster refused the exec (grant pods/exec get and create to NeuroPod's service account): ${message}`,
    )
  return new ExecUnavailableError('unreachable', `The cluster refused the exec (HTTP ${code}): ${message}`)
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.on('error', () => resolve(''))
  })
}
