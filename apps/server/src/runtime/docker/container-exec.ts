import type { Duplex } from 'node:stream'
import type Dockerode from 'dockerode'
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
import { errorMessage, isUnreachable, statusOf } from './engine.js'
import { ExecFrameDemuxer } from './exec-frames.js'
import { containerName } from './names.js'

/**
 * Exec in a pod's container through the Docker Engine API (Docker or Podman): create the exec,
 * start it with a hijacked connection (the raw stream, or 8-byte frames without a TTY), resize
 * through its own endpoint, and read the exit code from the exec's inspect once the stream ends.
 * Closing stdin half-closes the connection (both engines pass that on as EOF).
 */

export interface ContainerExecOptions {
  docker: Dockerode
  log: Logger
}

/** After the stream ends the engine may still report the exec running for a moment. */
const INSPECT_ATTEMPTS = 20
const INSPECT_INTERVAL_MS = 50

export async function dockerExec(o: ContainerExecOptions, request: ExecRequest): Promise<ExecSession> {
  const container = o.docker.getContainer(containerName(request.podId))
  const size = clampSize(request.size)
  let exec: Dockerode.Exec
  try {
    exec = await container.exec({
      Cmd: wrapCommand(request.command, request.env ? { env: request.env } : {}),
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: request.tty,
    })
  } catch (error) {
    throw refusal(error)
  }
  const session = new ExecStreams({
    wrapped: true,
    kill: (pid) => runDetached(container, killCommand(pid)),
  })
  let stream: Duplex
  try {
    // Docker reads ConsoleSize (API 1.42+), Podman h/w: the shell starts with the right window.
    stream = (await exec.start({
      hijack: true,
      stdin: true,
      Tty: request.tty,
      ...(request.tty ? { ConsoleSize: [size.rows, size.cols], h: size.rows, w: size.cols } : {}),
    } as Dockerode.ExecStartOptions)) as Duplex
  } catch (error) {
    throw refusal(error)
  }
  const resize = async (s: TerminalSize) => {
    const { cols, rows } = clampSize(s)
    // Podman answers 201, which dockerode calls an error although the resize happened.
    await exec.resize({ h: rows, w: cols }).catch(() => {})
  }
  if (request.tty) void resize(size) // engines without ConsoleSize (older Docker)
  session.attach({
    write: (chunk, done) => {
      if (stream.destroyed || stream.writableEnded) return done()
      stream.write(chunk, (error) => done(error ?? null))
    },
    endInput: () => stream.end(),
    resize,
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    destroy: () => stream.destroy(),
  })
  const demuxer = request.tty ? null : new ExecFrameDemuxer((s, chunk) => session.output(s, chunk))
  stream.on('data', (chunk: Buffer) => {
    if (demuxer) demuxer.push(chunk)
    else session.output('stdout', chunk)
  })
  let ended = false
  const onEnd = () => {
    if (ended) return
    ended = true
    void exitOf(exec).then((exit) => session.finish(exit))
  }
  stream.on('end', onEnd)
  stream.on('close', onEnd)
  stream.on('error', (error) => o.log.debug({ err: error, podId: request.podId }, 'exec stream failed'))
  return session
}

async function exitOf(exec: Dockerode.Exec): Promise<ExecExit> {
  for (let attempt = 0; attempt < INSPECT_ATTEMPTS; attempt++) {
    try {
      const info = await exec.inspect()
      if (!info.Running) return { code: info.ExitCode ?? null, reason: null }
    } catch (error) {
      return { code: null, reason: `The engine did not say how the process ended: ${errorMessage(error)}` }
    }
    await new Promise((r) => setTimeout(r, INSPECT_INTERVAL_MS))
  }
  return { code: null, reason: 'The connection ended while the process was still running' }
}

/** Runs a helper command (the kill of a closed session) without attaching to it. */
async function runDetached(container: Dockerode.Container, cmd: string[]): Promise<void> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: false, AttachStderr: false })
  await exec.start({ Detach: true })
}

function refusal(error: unknown): Error {
  const status = statusOf(error)
  if (status === 404)
    return new ExecUnavailableError(
      'not-running',
      'The pod has no container right now (it is stopped or still being created)',
    )
  if (status === 409) return new ExecUnavailableError('not-running', 'The pod’s container is not running')
  if (isUnreachable(error))
    return new ExecUnavailableError(
      'unreachable',
      `The container engine is unreachable: ${errorMessage(error)}`,
    )
  return new ExecUnavailableError(
    'unsupported',
    `The container engine refused the exec: ${errorMessage(error)}`,
  )
}
