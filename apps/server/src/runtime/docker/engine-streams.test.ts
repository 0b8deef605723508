import { describe, expect, it } from 'vitest'
import { PullError, PullProgress } from './image-puller.js'
import { JsonLines } from './json-lines.js'
import { demuxLogs, LogDemuxer } from './log-demux.js'

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8')
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

describe('log demultiplexer', () => {
  it('splits frames into stdout and stderr lines with their timestamps', () => {
    const buffer = Buffer.concat([
      frame(1, '2026-11-27T22:58:44.123456789Z hello\n2026-11-27T22:58:45Z second\n'),
      frame(2, '2026-11-27T22:58:46Z oops\r\n'),
    ])
    expect(demuxLogs(buffer)).toEqual([
      { timestamp: '2026-11-27T22:58:44.123Z', stream: 'stdout', message: 'hello' },
      { timestamp: '2026-11-27T22:58:45.000Z', stream: 'stdout', message: 'second' },
      { timestamp: '2026-11-27T22:58:46.000Z', stream: 'stderr', message: 'oops' },
    ])
  })

  it('joins lines and headers split across chunks, per stream', () => {
    const bytes = Buffer.concat([
      frame(1, '2026-11-27T22:58:44Z par'),
      frame(2, '2026-11-27T22:58:44Z err\n'),
      frame(1, 'tial\n'),
      frame(1, 'é'),
    ])
    const demuxer = new LogDemuxer()
    const lines = []
    // Feed it byte by byte: headers, payloads and a two-byte character all straddle chunks.
    for (let i = 0; i < bytes.length; i++) lines.push(...demuxer.push(bytes.subarray(i, i + 1)))
    lines.push(...demuxer.flush())
    expect(lines).toEqual([
      { timestamp: '2026-11-27T22:58:44.000Z', stream: 'stderr', message: 'err' },
      { timestamp: '2026-11-27T22:58:44.000Z', stream: 'stdout', message: 'partial' },
      { timestamp: null, stream: 'stdout', message: 'é' },
    ])
  })

  it('keeps lines without a timestamp whole', () => {
    expect(demuxLogs(frame(1, 'no time here\n'))).toEqual([
      { timestamp: null, stream: 'stdout', message: 'no time here' },
    ])
  })
})

describe('JSON stream splitter', () => {
  it('yields every object whatever the chunking', () => {
    const lines = new JsonLines()
    const text = '{"a":1}\n{"b":"x}{"}{"c":[1,{"d":2}]}\r\n{"e":"\\"}"}'
    const out: unknown[] = []
    for (const ch of text) out.push(...lines.push(ch))
    expect(out).toEqual([{ a: 1 }, { b: 'x}{' }, { c: [1, { d: 2 }] }, { e: '"}' }])
  })
})

describe('pull progress', () => {
  it('turns per-layer messages into one percentage', () => {
    const p = new PullProgress()
    expect(p.apply({ status: 'Pulling from library/python', id: '3.12' }).percent).toBeNull()
    p.apply({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' })
    p.apply({ status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' })
    p.apply({ status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 50, total: 100 } })
    const state = p.apply({
      status: 'Downloading',
      id: 'bbbbbbbbbbbb',
      progressDetail: { current: 0, total: 300 },
    })
    expect(state).toMatchObject({ percent: 12, bytesDone: 50, bytesTotal: 400, layers: 2 })
    p.apply({ status: 'Download complete', id: 'aaaaaaaaaaaa' })
    p.apply({ status: 'Downloading', id: 'bbbbbbbbbbbb', progressDetail: { current: 300, total: 300 } })
    // Extraction reports its own current/total: it must not count as download progress again.
    p.apply({ status: 'Extracting', id: 'bbbbbbbbbbbb', progressDetail: { current: 10, total: 300 } })
    expect(p.apply({ status: 'Pull complete', id: 'bbbbbbbbbbbb' }).percent).toBe(100)
  })

  it('counts finished layers when no sizes are known (Podman)', () => {
    const p = new PullProgress()
    p.apply({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' })
    p.apply({ status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' })
    expect(p.apply({ status: 'Already exists', id: 'aaaaaaaaaaaa' }).percent).toBe(50)
  })

  it("fails with the engine's message", () => {
    const p = new PullProgress()
    expect(() =>
      p.apply({
        error: 'short',
        errorDetail: {
          message: 'initializing source docker://x/y:1: pinging container registry x: no such host',
        },
      }),
    ).toThrow(new PullError('initializing source docker://x/y:1: pinging container registry x: no such host'))
  })
})
