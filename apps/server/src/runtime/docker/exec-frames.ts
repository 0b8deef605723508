/**
 * The framing of a Docker Engine exec (or attach) stream without a TTY: each frame is an 8-byte
 * header — stream (0 stdin, 1 stdout, 2 stderr), three zero bytes, payload length (uint32 BE) —
 * then the payload. Frames and chunks do not align (a header may straddle two chunks), so the
 * demuxer keeps the partial header and the bytes still owed to the current frame, and hands out
 * slices of the chunks it was given (no copies: `cat` of a large file stays cheap).
 */
export class ExecFrameDemuxer {
  private readonly header = Buffer.alloc(8)
  private headerLength = 0
  private remaining = 0
  private stream: 'stdout' | 'stderr' = 'stdout'

  constructor(private readonly emit: (stream: 'stdout' | 'stderr', payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let offset = 0
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - offset)
        this.emit(this.stream, chunk.subarray(offset, offset + n))
        this.remaining -= n
        offset += n
        continue
      }
      const n = Math.min(8 - this.headerLength, chunk.length - offset)
      chunk.copy(this.header, this.headerLength, offset, offset + n)
      this.headerLength += n
      offset += n
      if (this.headerLength < 8) break
      this.headerLength = 0
      // Anything that is not stderr is shown as stdout (stdin frames are never sent back).
      this.stream = this.header[0] === 2 ? 'stderr' : 'stdout'
      this.remaining = this.header.readUInt32BE(4)
    }
  }
}
