/**
 * A parser for the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, and
 * samples `name{label="value",…} value [timestamp]`. Used to read a DCGM exporter's GPU figures
 * and, in tests, the platform's own /metrics. Malformed lines are skipped, not fatal.
 */

export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface PromFamily {
  name: string
  type: string | null
  help: string | null
  samples: PromSample[]
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y

export function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  let at = 0
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break
    LABEL.lastIndex = at
    const m = LABEL.exec(text)
    if (!m) return null
    labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
    at = LABEL.lastIndex
  }
  return labels
}

function parseValue(raw: string): number | null {
  if (raw === 'NaN') return Number.NaN
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY
  const n = Number(raw)
  return Number.isNaN(n) ? null : n
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>()
  const family = (name: string) => {
    let f = families.get(name)
    if (!f) {
      f = { name, type: null, help: null, samples: [] }
      families.set(name, f)
    }
    return f
  }
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (!trimmed) continue
    const meta = /^#\s*(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(trimmed)
    if (meta) {
      const f = family(meta[2]!)
      if (meta[1] === 'HELP') f.help = meta[3] ?? ''
      else f.type = meta[3] ?? null
      continue
    }
    if (trimmed.startsWith('#')) continue
    const m = SAMPLE.exec(trimmed)
    if (!m) continue
    const labels = m[3] !== undefined ? parseLabels(m[3]) : {}
    const value = parseValue(m[4]!)
    if (!labels || value === null) continue
    const name = m[1]!
    // Histogram and summary series belong to their family (name without _bucket/_sum/_count).
    const base = name.replace(/_(bucket|sum|count|total|created)$/, '')
    const owner = families.has(name) || !families.has(base) ? family(name) : family(base)
    owner.samples.push({ name, labels, value })
  }
  return families
}
