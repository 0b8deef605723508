import { UsageError } from './args.js'

/**
 * An API path with every interpolated value as one encoded segment: an id typed by the user
 * (`pods get ../auth/me`) must name a pod, never walk to another endpoint. "." and ".." cannot be
 * encoded away (URL parsers resolve `%2E%2E` too), and are no id of ours, so they are refused.
 */
export function apiPath(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((path, text, i) => {
    if (i === 0) return text
    const value = values[i - 1]!
    if (value === '.' || value === '..') throw new UsageError(`"${value}" is not a valid id`)
    return `${path}${encodeURIComponent(value)}${text}`
  })
}
