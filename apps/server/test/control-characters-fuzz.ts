/**
 * Requests that put a control character into one string of one operation: every body field
 * (nested, in arrays, record values and property names) and every path and query parameter the
 * OpenAPI document lists. Used by the bad-input suite.
 */
type Node = Record<string, unknown>
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v)

/** 0x00–0x1f and DEL. */
export const CONTROL_CHARACTERS = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f']
const WHITESPACE = new Set(['\t', '\n', '\r'])

export interface FuzzCase {
  label: string
  method: string
  url: string
  body?: unknown
  /** The field the 400 must name (undefined: any field) */
  field?: string
  /** The character is allowed there (a multiline field and tab/CR/LF): only "no 5xx" is required */
  allowed: boolean
}

type Segment = { prop: string } | { item: true } | { value: true } | { key: true }
interface Target {
  path: Segment[]
  multiline: boolean
}

const PLACEHOLDERS: Record<string, string> = {
  podId: '0123456789abcdef',
  id: '00000000-0000-0000-0000-000000000000',
  userId: '00000000-0000-4000-8000-000000000000',
  gpuId: 'rtx-4050',
  port: '8080',
}

function resolve(schema: unknown, components: Node): Node {
  if (!isNode(schema)) return {}
  const ref = schema.$ref
  if (typeof ref === 'string') {
    const name = ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '')
    return resolve(components[name], components)
  }
  return schema
}

function stringTargets(schema: unknown, components: Node, path: Segment[] = [], depth = 0): Target[] {
  const s = resolve(schema, components)
  if (depth > 8) return []
  const out: Target[] = []
  const type = s.type
  if (type === 'string' || (Array.isArray(type) && type.includes('string')))
    out.push({ path, multiline: s['x-text'] === 'multiline' })
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    for (const branch of (s[key] as unknown[] | undefined) ?? [])
      out.push(...stringTargets(branch, components, path, depth + 1))
  if (isNode(s.properties))
    for (const [name, sub] of Object.entries(s.properties))
      out.push(...stringTargets(sub, components, [...path, { prop: name }], depth + 1))
  const values = [
    ...(isNode(s.patternProperties) ? Object.values(s.patternProperties) : []),
    ...(isNode(s.additionalProperties) ? [s.additionalProperties] : []),
  ]
  for (const sub of values) out.push(...stringTargets(sub, components, [...path, { value: true }], depth + 1))
  if (values.length > 0 || isNode(s.properties))
    out.push({ path: [...path, { key: true }], multiline: false })
  if (isNode(s.items)) out.push(...stringTargets(s.items, components, [...path, { item: true }], depth + 1))
  return out
}

function build(path: Segment[], leaf: string): unknown {
  const [head, ...rest] = path
  if (!head) return leaf
  if ('prop' in head) return { [head.prop]: build(rest, leaf) }
  if ('item' in head) return [build(rest, leaf)]
  if ('value' in head) return { k: build(rest, leaf) }
  return { [leaf]: 'x' } // a property name
}

function fieldOf(path: Segment[]): string | undefined {
  if (path.some((s) => 'key' in s)) return undefined // reported on the object, with "Unknown field" beside it
  return path.map((s) => ('prop' in s ? s.prop : 'item' in s ? '0' : 'k')).join('.')
}

function labelOf(path: Segment[]): string {
  return path
    .map((s) => ('prop' in s ? s.prop : 'item' in s ? '[]' : 'value' in s ? '{*}' : '{key}'))
    .join('.')
}

/** Every case for every operation of an OpenAPI 3.1 document and every control character. */
export function controlCharacterCases(spec: Node): FuzzCase[] {
  const components = ((spec.components as Node | undefined)?.schemas ?? {}) as Node
  const cases: FuzzCase[] = []
  for (const [route, methods] of Object.entries(spec.paths as Record<string, Record<string, Node>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters as { in: string; name: string; schema?: Node }[] | undefined) ?? []
      const pathParams = params.filter((p) => p.in === 'path')
      const urlWith = (fuzzed: string | null, value: string, query?: string) => {
        let url = route
        for (const p of pathParams) {
          const v = p.name === fuzzed ? value : (PLACEHOLDERS[p.name] ?? 'x')
          url = url.replace(`{${p.name}}`, encodeURIComponent(v))
        }
        return query ? `${url}?${query}` : url
      }
      const body = resolve(
        ((op.requestBody as Node | undefined)?.content as Node | undefined)?.['application/json'],
        components,
      ).schema
      for (const ch of CONTROL_CHARACTERS) {
        const code = `0x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`
        const bad = `a${ch}b`
        for (const p of params) {
          const url =
            p.in === 'path' ? urlWith(p.name, bad) : urlWith(null, '', `${p.name}=${encodeURIComponent(bad)}`)
          const isString = resolve(p.schema, components).type === 'string'
          cases.push({
            label: `${method.toUpperCase()} ${route} ${p.in} ${p.name} ${code}`,
            method: method.toUpperCase(),
            url,
            // A body the operation requires is sent too, so the parameter is what is wrong.
            ...(body ? { body: {} } : {}),
            ...(isString ? { field: p.name } : {}),
            allowed: false,
          })
        }
        if (!body) continue
        for (const t of stringTargets(body, components)) {
          const field = fieldOf(t.path)
          cases.push({
            label: `${method.toUpperCase()} ${route} body ${labelOf(t.path) || '(body)'} ${code}`,
            method: method.toUpperCase(),
            url: urlWith(null, ''),
            body: build(t.path, bad),
            ...(field !== undefined ? { field: field || 'body' } : {}),
            allowed: t.multiline && WHITESPACE.has(ch),
          })
        }
      }
    }
  }
  return cases
}
