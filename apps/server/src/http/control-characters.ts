import type { Ajv, SchemaValidateFunction } from 'ajv'

/**
 * Control characters in request input. NUL is rejected by PostgreSQL (a 500 instead of a 400) and
 * the other C0 characters and DEL are never meant in a name, an id or a search; they only confuse
 * logs, terminals and the UI. So every string a route accepts — body fields, property names, path
 * and query parameters — is checked here, centrally, rather than by a pattern per field that a new
 * field can forget.
 *
 * A schema opts a free-text field into tab and line breaks with `'x-text': 'multiline'`
 * (descriptions, start commands, environment values, reasons); everything else is `line`.
 */
export const TEXT_KEYWORD = 'x-text'
export type TextKind = 'line' | 'multiline'

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters rejected
const LINE_FORBIDDEN = /[\u0000-\u001f\u007f]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters rejected
const MULTILINE_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

export const CONTROL_MESSAGES: Record<TextKind, string> = {
  line: 'Must not contain control characters',
  multiline: 'Must not contain control characters other than tab and line breaks',
}

/** The keyword the compiled request schemas carry (see `guardStrings`). */
export function addTextKeyword(ajv: Ajv): void {
  const check: SchemaValidateFunction = (kind: TextKind, data: string) => {
    const forbidden = kind === 'multiline' ? MULTILINE_FORBIDDEN : LINE_FORBIDDEN
    if (!forbidden.test(data)) return true
    check.errors = [{ keyword: TEXT_KEYWORD, message: CONTROL_MESSAGES[kind], params: { kind } }]
    return false
  }
  ajv.addKeyword({
    keyword: TEXT_KEYWORD,
    type: 'string',
    schemaType: 'string',
    errors: true,
    validate: check,
  })
}

type Node = Record<string, unknown>
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v)

const SINGLE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'] as const
const MAPS = ['properties', 'patternProperties'] as const
const LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const

/**
 * A copy of a request schema in which every string, and every object's property names, carries
 * the text keyword (`line` unless the schema says otherwise). The route's own schema object is
 * left alone: it is shared with the OpenAPI document and other routes.
 */
export function guardStrings(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(guardStrings)
  if (!isNode(schema)) return schema
  const out: Node = { ...schema }
  for (const key of SINGLE) if (isNode(out[key]) || Array.isArray(out[key])) out[key] = guardStrings(out[key])
  for (const key of MAPS) {
    const map = out[key]
    if (isNode(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, guardStrings(v)]))
  }
  for (const key of LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(guardStrings)
  const type = out.type
  const isString = type === 'string' || (Array.isArray(type) && type.includes('string'))
  if (isString && out[TEXT_KEYWORD] === undefined) out[TEXT_KEYWORD] = 'line'
  const isObject = type === 'object' || isNode(out.properties) || isNode(out.patternProperties)
  if (isObject) {
    const names = isNode(out.propertyNames) ? { ...out.propertyNames } : {}
    if (names[TEXT_KEYWORD] === undefined) names[TEXT_KEYWORD] = 'line'
    out.propertyNames = names
  }
  return out
}
