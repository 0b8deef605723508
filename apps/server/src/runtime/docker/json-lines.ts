/**
 * The engine's streaming endpoints (/events, /images/create) send JSON objects one after another;
 * Docker ends each with a newline, Podman sometimes sends several per chunk or splits one across
 * chunks. This splitter yields each complete object, whatever the chunking.
 */
export class JsonLines {
  private buffer = ''

  push(chunk: Buffer | string): unknown[] {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
    const out: unknown[] = []
    let start = 0
    let depth = 0
    let inString = false
    let escaped = false
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i]
      if (inString) {
        if (escaped) escaped = false
        else if (c === '\\') escaped = true
        else if (c === '"') inString = false
        continue
      }
      if (c === '"') inString = true
      else if (c === '{' || c === '[') {
        if (depth === 0) start = i
        depth++
      } else if (c === '}' || c === ']') {
        depth--
        if (depth === 0) {
          const text = this.buffer.slice(start, i + 1)
          try {
            out.push(JSON.parse(text))
          } catch {
            // Not JSON after all (never seen from an engine): skip it rather than stall the stream.
          }
          start = i + 1
        }
      }
    }
    this.buffer = depth === 0 ? '' : this.buffer.slice(start)
    return out
  }
}
