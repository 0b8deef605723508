/**
 * An incremental HTTP/1.1 response parser for the proxy's upstream connections (RFC 9112).
 *
 * Why not `http.request` or undici: measured on the proxy's hot path, their per-request machinery
 * (request/response objects, validation, events) costs as much CPU as everything else together.
 * The proxy needs only this: find the head, read the status and headers as the pod sent them,
 * then hand the body on in the slices it arrives in, knowing where the message ends (so the
 * connection can be reused). Bodies are never copied or buffered.
 *
 * Framing (RFC 9112 §6.3): no body for HEAD, 1xx, 204 and 304; `Transfer-Encoding` ending in
 * `chunked` → chunked (decoded here; trailers are dropped); other transfer codings → until close;
 * a valid `Content-Length` → that many bytes; otherwise until the connection closes. Interim 1xx
 * responses are skipped. Anything malformed is an error and the connection is not reused.
 */

export interface ResponseHead {
  status: number
  statusMessage: string
  /** Header names and values exactly as received: [name, value, name, value…] */
  rawHeaders: string[]
  /** The body's length when known, null for chunked or close-delimited bodies */
  contentLength: number | null
  /** The connection may carry another request once this response is complete */
  keepAlive: boolean
  /** `Keep-Alive: timeout=N` from the pod, in ms, or null */
  keepAliveTimeoutMs: number | null
}

export interface ResponseSink {
  onHead(head: ResponseHead): void
  onBody(chunk: Buffer): void
  onComplete(): void
}

export class ResponseParseError extends Error {
  readonly code = 'UPSTREAM_PROTOCOL_ERROR'
  constructor(message: string) {
    super(message)
    this.name = 'ResponseParseError'
  }
}

const MAX_HEAD_BYTES = 64 * 1024
const MAX_CHUNK_LINE = 4096
const CRLF = 0x0a0d // "\r\n" read as a little-endian uint16
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

type State =
  | 'idle'
  | 'head'
  | 'length'
  | 'until-close'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end'
  | 'trailers'
  | 'done'
  | 'failed'

export class ResponseParser {
  private state: State = 'idle'
  private noBody = false
  private pending: Buffer | null = null
  private remaining = 0
  private line = ''
  private keepAlive = false
  /** Bytes arrived after the response ended (the pod broke the protocol): never reuse. */
  extraData = false

  constructor(private readonly sink: ResponseSink) {}

  /** Starts the response to a request with this method (a HEAD response has no body). */
  expect(method: string): void {
    this.state = 'head'
    this.noBody = method === 'HEAD'
    this.pending = null
    this.line = ''
    this.extraData = false
    this.keepAlive = false
  }

  get complete(): boolean {
    return this.state === 'done'
  }

  /** Whether any byte of the response arrived (a request that got nothing back may be retried). */
  get started(): boolean {
    return this.state !== 'head' || this.pending !== null
  }

  get reusable(): boolean {
    return this.state === 'done' && this.keepAlive && !this.extraData
  }

  /** Feeds bytes from the connection. Throws ResponseParseError on a malformed response. */
  execute(data: Buffer): void {
    let offset = 0
    while (offset < data.length) {
      switch (this.state) {
        case 'head':
          offset = this.readHead(data, offset)
          break
        case 'length': {
          const n = Math.min(this.remaining, data.length - offset)
          this.remaining -= n
          this.sink.onBody(offset === 0 && n === data.length ? data : data.subarray(offset, offset + n))
          offset += n
          if (this.remaining === 0) this.finishMessage()
          break
        }
        case 'until-close':
          this.sink.onBody(offset === 0 ? data : data.subarray(offset))
          offset = data.length
          break
        case 'chunk-size':
        case 'trailers':
          offset = this.readLine(data, offset)
          break
        case 'chunk-data': {
          const n = Math.min(this.remaining, data.length - offset)
          this.remaining -= n
          this.sink.onBody(data.subarray(offset, offset + n))
          offset += n
          if (this.remaining === 0) {
            this.state = 'chunk-data-end'
            this.line = ''
          }
          break
        }
        case 'chunk-data-end':
          offset = this.readLine(data, offset)
          break
        case 'done':
        case 'idle':
          this.extraData = true
          return
        case 'failed':
          return
      }
    }
  }

  /**
   * The connection closed. Completes a close-delimited body; anything else unfinished is an error.
   * Returns false when the response was cut short.
   */
  end(): boolean {
    if (this.state === 'until-close') {
      this.finishMessage()
      return true
    }
    return this.state === 'done' || this.state === 'idle'
  }

  private fail(message: string): never {
    this.state = 'failed'
    throw new ResponseParseError(message)
  }

  private readHead(data: Buffer, offset: number): number {
    let buffer: Buffer
    let searchFrom: number
    if (this.pending) {
      searchFrom = Math.max(0, this.pending.length - 3)
      buffer = Buffer.concat([this.pending, offset === 0 ? data : data.subarray(offset)])
    } else {
      searchFrom = 0
      buffer = offset === 0 ? data : data.subarray(offset)
    }
    const end = buffer.indexOf('\r\n\r\n', searchFrom, 'latin1')
    if (end < 0) {
      if (buffer.length > MAX_HEAD_BYTES) this.fail('response head too large')
      // Keep a copy: the connection's buffer may be reused for the next read.
      this.pending = Buffer.from(buffer)
      return data.length
    }
    const consumedFromData = end + 4 - (this.pending ? this.pending.length : 0)
    this.pending = null
    if (end > MAX_HEAD_BYTES) this.fail('response head too large')
    this.parseHead(buffer.toString('latin1', 0, end))
    return offset + consumedFromData
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n')
    const m = STATUS_LINE.exec(lines[0]!)
    if (!m) this.fail('malformed status line')
    const http11 = m[1] === '1'
    const status = Number(m[2])
    const rawHeaders: string[] = []
    let contentLength: number | null = null
    let chunked = false
    let otherCoding = false
    let connectionClose = !http11
    let keepAliveTimeoutMs: number | null = null
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      if (colon <= 0) this.fail('malformed header line')
      const name = line.slice(0, colon)
      if (!TOKEN.test(name)) this.fail('malformed header name')
      const value = line.slice(colon + 1).trim()
      rawHeaders.push(name, value)
      switch (name.length) {
        case 10:
          if (name.toLowerCase() === 'connection') {
            const tokens = value.toLowerCase()
            if (tokens.includes('close')) connectionClose = true
            else if (!http11 && tokens.includes('keep-alive')) connectionClose = false
          } else if (name.toLowerCase() === 'keep-alive') {
            const t = /(?:^|[,\s])timeout=(\d+)/i.exec(value)
            if (t) keepAliveTimeoutMs = Number(t[1]) * 1000
          }
          break
        case 14:
          if (name.toLowerCase() === 'content-length') {
            for (const part of value.split(',')) {
              const v = part.trim()
              if (!/^\d{1,15}$/.test(v)) this.fail('invalid Content-Length')
              if (contentLength !== null && contentLength !== Number(v))
                this.fail('conflicting Content-Length')
              contentLength = Number(v)
            }
          }
          break
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') {
            chunked = /(?:^|,)\s*chunked\s*$/i.test(value)
            otherCoding = !chunked
          }
          break
      }
    }
    if (status < 200) {
      // 101 only answers an upgrade, which goes another way; other 1xx precede the real answer.
      if (status === 101) this.fail('unexpected 101 Switching Protocols')
      this.state = 'head'
      return
    }
    const noBody = this.noBody || status === 204 || status === 304
    this.keepAlive = !connectionClose
    if (noBody) {
      this.emitHead(status, m[3] ?? '', rawHeaders, contentLength, keepAliveTimeoutMs)
      this.finishMessage()
      return
    }
    if (chunked || otherCoding) {
      // With Transfer-Encoding, Content-Length is ignored (RFC 9112 §6.3).
      contentLength = null
      this.state = chunked ? 'chunk-size' : 'until-close'
      if (otherCoding) this.keepAlive = false
      this.line = ''
    } else if (contentLength !== null) {
      this.remaining = contentLength
      this.state = 'length'
    } else {
      this.state = 'until-close'
      this.keepAlive = false
    }
    this.emitHead(status, m[3] ?? '', rawHeaders, contentLength, keepAliveTimeoutMs)
    if (this.state === 'length' && this.remaining === 0) this.finishMessage()
  }

  private emitHead(
    status: number,
    statusMessage: string,
    rawHeaders: string[],
    contentLength: number | null,
    keepAliveTimeoutMs: number | null,
  ): void {
    this.sink.onHead({
      status,
      statusMessage,
      rawHeaders,
      contentLength,
      keepAlive: this.keepAlive,
      keepAliveTimeoutMs,
    })
  }

  /** Chunk-size lines, the CRLF after chunk data, and trailer lines. */
  private readLine(data: Buffer, offset: number): number {
    // Fast path: a whole "\r\n" right here after chunk data.
    if (this.state === 'chunk-data-end' && this.line === '' && data.length - offset >= 2) {
      if (data.readUInt16LE(offset) !== CRLF) this.fail('missing CRLF after chunk data')
      this.state = 'chunk-size'
      return offset + 2
    }
    const nl = data.indexOf(0x0a, offset)
    const stop = nl < 0 ? data.length : nl + 1
    this.line += data.toString('latin1', offset, stop)
    if (this.line.length > MAX_CHUNK_LINE) this.fail('chunk line too long')
    if (nl < 0) return data.length
    const line = this.line
    this.line = ''
    if (!line.endsWith('\r\n')) this.fail('bare LF in chunked body')
    const content = line.slice(0, -2)
    switch (this.state) {
      case 'chunk-data-end':
        if (content !== '') this.fail('missing CRLF after chunk data')
        this.state = 'chunk-size'
        break
      case 'chunk-size': {
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(content)
        if (!size) this.fail('malformed chunk size')
        this.remaining = Number.parseInt(size[1]!, 16)
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data'
        break
      }
      case 'trailers':
        if (content === '') this.finishMessage()
        break
    }
    return stop
  }

  private finishMessage(): void {
    this.state = 'done'
    this.sink.onComplete()
  }
}
