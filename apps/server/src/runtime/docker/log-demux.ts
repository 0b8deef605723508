import { StringDecoder } from 'node:string_decoder'
import type { LogLineOut } from '../pod-runtime.js'

/**
 * Splits the engine's multiplexed log stream (containers without a TTY) into lines. Each frame is
 * an 8-byte header — stream type (1 stdout, 2 stderr), three zero bytes, payload length (uint32 BE)
 * — then the payload. Frames and lines do not align: a frame may hold many lines or part of one,
 * and a header may arrive split across chunks, so both are buffered. With `timestamps=1` every
 * line starts with an RFC 3339 time and a space.
 */

const MAX_LINE = 64 * 1024 // a line without a newline is cut here rather than growing without bound
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /

export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0)
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' }
  // One decoder per stream: a multi-byte character may straddle two frames.
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }

  /** Feeds a chunk; returns the complete lines it finished. */
  push(chunk: Buffer): LogLineOut[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const lines: LogLineOut[] = []
    while (this.pending.length >= 8) {
      const type = this.pending[0]!
      const size = this.pending.readUInt32BE(4)
      if (this.pending.length < 8 + size) break
      // 0 is stdin (never sent for our containers); anything unknown is shown as stdout.
      const stream = type === 2 ? 'stderr' : 'stdout'
      const payload = this.decoders[stream].write(this.pending.subarray(8, 8 + size))
      this.pending = this.pending.subarray(8 + size)
      lines.push(...this.text(stream, payload))
    }
    return lines
  }

  /** The unterminated last line of each stream (call when the stream ends). */
  flush(): LogLineOut[] {
    const lines: LogLineOut[] = []
    for (const stream of ['stdout', 'stderr'] as const) {
      this.partial[stream] += this.decoders[stream].end()
      if (this.partial[stream] !== '') lines.push(parseLine(stream, this.partial[stream]))
      this.partial[stream] = ''
    }
    return lines
  }

  private text(stream: 'stdout' | 'stderr', payload: string): LogLineOut[] {
    const parts = (this.partial[stream] + payload).split('\n')
    let rest = parts.pop()!
    const lines = parts.map((p) => parseLine(stream, p))
    while (rest.length > MAX_LINE) {
      lines.push(parseLine(stream, rest.slice(0, MAX_LINE)))
      rest = rest.slice(MAX_LINE)
    }
    this.partial[stream] = rest
    return lines
  }
}

/** Demultiplexes a complete (non-follow) log response. */
export function demuxLogs(buffer: Buffer): LogLineOut[] {
  const demuxer = new LogDemuxer()
  return [...demuxer.push(buffer), ...demuxer.flush()]
}

export function parseLine(stream: 'stdout' | 'stderr', raw: string): LogLineOut {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
  const m = TIMESTAMP.exec(text)
  if (!m) return { timestamp: null, stream, message: text }
  const date = new Date(m[1]!)
  return {
    timestamp: Number.isNaN(date.getTime()) ? null : date.toISOString(),
    stream,
    message: text.slice(m[0].length),
  }
}
