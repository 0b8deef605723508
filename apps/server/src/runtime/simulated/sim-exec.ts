import { clampSize, type ExecRequest, type ExecSession } from '../exec.js'
import { ExecStreams } from '../exec-streams.js'
import { SimShell } from './sim-shell.js'

/** An exec in a simulated pod: the simulation's shell behind the same session every runtime returns. */
export function simulatedExec(request: ExecRequest, pod: { slug: string; image: string }): ExecSession {
  const session = new ExecStreams({ wrapped: false, closeGraceMs: 1000 })
  const shell = new SimShell({
    command: request.command,
    tty: request.tty,
    size: clampSize(request.size),
    hostname: pod.slug,
    image: pod.image,
    env: request.env ?? {},
    output: (stream, data) => session.output(stream, data),
    // Output is delivered synchronously, so the end follows everything the shell wrote.
    exit: (code) => setImmediate(() => session.finish({ code, reason: null })),
  })
  session.attach({
    write: (chunk, done) => {
      shell.input(chunk)
      done()
    },
    endInput: () => shell.endInput(),
    resize: async (size) => shell.resize(clampSize(size)),
    // The shell only writes what it is given (or a few lines): nothing to hold back.
    pause: () => {},
    resume: () => {},
    destroy: () => shell.hangUp(),
  })
  return session
}
