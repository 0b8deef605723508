import type { LogLineOut } from '../pod-runtime.js'

/**
 * Container log lines as the API returns them with `timestamps=true`:
 * `2026-01-01T10:00:00.123456789Z message`. Kubernetes merges stdout and stderr into one stream,
 * so every line is reported as stdout.
 */
const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?(.*)$/

export function parseLogLine(line: string): LogLineOut {
  const m = STAMPED.exec(line)
  if (m) {
    const at = new Date(m[1]!)
    if (!Number.isNaN(at.getTime())) return { timestamp: at.toISOString(), stream: 'stdout', message: m[2]! }
  }
  return { timestamp: null, stream: 'stdout', message: line }
}

export function parseLogText(text: string): LogLineOut[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines.map((l) => parseLogLine(l.replace(/\r$/, '')))
}

/** Splits a byte stream into lines, holding back a partial last line until it completes. */
export class LineSplitter {
  private rest = ''

  push(chunk: string): LogLineOut[] {
    const text = this.rest + chunk
    const cut = text.lastIndexOf('\n')
    if (cut < 0) {
      this.rest = text
      return []
    }
    this.rest = text.slice(cut + 1)
    return parseLogText(text.slice(0, cut + 1))
  }

  flush(): LogLineOut[] {
    const rest = this.rest
    this.rest = ''
    return rest ? [parseLogLine(rest)] : []
  }
}
