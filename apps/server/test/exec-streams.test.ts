import { describe, expect, it } from 'vitest'
import { ExecFrameDemuxer } from '../src/runtime/docker/exec-frames.js'
import { ExecStreams, killCommand, wrapCommand } from '../src/runtime/exec-streams.js'
import { exitFrom } from '../src/runtime/kubernetes/pod-exec.js'
import { collect } from './exec-contract.js'

/** The pure parts of exec: framing, the pid wrapper, exit codes from a v1 Status. */

function frame(stream: 1 | 2, payload: Buffer): Buffer {
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

describe('Docker exec frames', () => {
  it('splits stdout and stderr whatever the chunking, byte for byte', () => {
    const out = Buffer.from([0, 1, 2, 255, 10, 13])
    const wire = Buffer.concat([frame(1, out), frame(2, Buffer.from('err')), frame(1, Buffer.from('x'))])
    for (const size of [1, 3, 7, 9, wire.length]) {
      const got: Record<string, Buffer[]> = { stdout: [], stderr: [] }
      const demuxer = new ExecFrameDemuxer((s, p) => got[s]!.push(Buffer.from(p)))
      for (let i = 0; i < wire.length; i += size) demuxer.push(wire.subarray(i, i + size))
      expect(Buffer.concat(got.stdout!)).toEqual(Buffer.concat([out, Buffer.from('x')]))
      expect(Buffer.concat(got.stderr!).toString()).toBe('err')
    }
  })
})

describe('the pid wrapper', () => {
  it('runs the command in place of a shell that printed its pid, with the environment quoted', () => {
    const argv = wrapCommand(['ls', '-l'], {
      env: { TERM: "it's", 'bad name': 'x' },
      size: { cols: 90, rows: 30 },
    })
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c'])
    expect(argv[2]).toBe(
      `export TERM='it'\\''s'; stty cols 90 rows 30 2>/dev/null; echo "NEUROPOD-EXEC $$"; exec "$@"`,
    )
    expect(argv.slice(3)).toEqual(['neuropod-exec', 'ls', '-l'])
    expect(wrapCommand(null)[2]).toContain('command -v bash')
    expect(killCommand(42)[2]).toBe(
      'kill -HUP -42 2>/dev/null || kill -HUP 42 2>/dev/null; sleep 1; kill -KILL -42 2>/dev/null || kill -KILL 42 2>/dev/null; true',
    )
  })

  it('strips the pid line even when it arrives in pieces, and kills that pid on close', async () => {
    const killed: number[] = []
    const session = new ExecStreams({
      wrapped: true,
      kill: async (pid) => {
        killed.push(pid)
        session.finish({ code: 129, reason: null })
      },
    })
    session.attach({
      write: (_c, done) => done(),
      endInput() {},
      resize: async () => {},
      pause() {},
      resume() {},
      destroy() {},
    })
    const result = collect(session)
    session.output('stdout', Buffer.from('NEUROPOD-EX'))
    session.output('stdout', Buffer.from('EC 4711\r\nhello'))
    expect(await session.close()).toEqual({ code: 129, reason: null })
    expect(killed).toEqual([4711])
    expect((await result).stdout.toString()).toBe('hello')
  })

  it('passes through output that is not the pid line (the shell failed first)', async () => {
    const session = new ExecStreams({ wrapped: true })
    const result = collect(session)
    session.output('stdout', Buffer.from('exec failed: no such file\n'))
    session.finish({ code: 127, reason: null })
    expect((await result).stdout.toString()).toBe('exec failed: no such file\n')
  })
})

describe('exit codes from the status channel', () => {
  it('reads Success, NonZeroExitCode and failures without a code', () => {
    expect(exitFrom({ status: 'Success' })).toEqual({ code: 0, reason: null })
    expect(
      exitFrom({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        message: 'command terminated with non-zero exit code',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toEqual({ code: 3, reason: null })
    expect(exitFrom({ status: 'Failure', reason: 'InternalError', message: 'executable not found' })).toEqual(
      {
        code: null,
        reason: 'executable not found',
      },
    )
    expect(exitFrom(null).code).toBeNull()
  })
})

describe('exec output backpressure', () => {
  /**
   * A transport that behaves like a socket: while resumed it delivers the next chunk (64 KiB, more
   * than a stream's high-water mark), and it stays paused until asked to resume. Found with scp:
   * the engine's stream was left paused with nothing buffered, and a download hung.
   */
  function pausingSource(session: ExecStreams, chunks: number) {
    let paused = false
    let sent = 0
    const pump = () => {
      while (!paused && sent < chunks) {
        sent++
        session.output('stdout', Buffer.alloc(64 * 1024, sent % 256))
      }
      if (sent === chunks) session.finish({ code: 0, reason: null })
    }
    session.attach({
      write: (_c, done) => done(),
      endInput() {},
      resize: async () => {},
      pause: () => {
        paused = true
      },
      resume: () => {
        if (!paused) return
        paused = false
        setImmediate(pump)
      },
      destroy() {},
    })
    pump()
  }

  it('resumes a paused transport once the reader catches up, until every byte arrived', async () => {
    const session = new ExecStreams({ wrapped: false })
    pausingSource(session, 64)
    let received = 0
    // A reader slower than the source, as an SSH channel waiting for its window is.
    for await (const chunk of session.stdout) {
      received += (chunk as Buffer).length
      await new Promise((r) => setImmediate(r))
    }
    expect(received).toBe(64 * 64 * 1024)
    expect((await session.exit).code).toBe(0)
  }, 10_000)
})
