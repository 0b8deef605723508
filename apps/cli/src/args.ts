import { parseArgs } from 'node:util'

/** A mistake in how the command was typed: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>

/** Strict option parsing; every command also takes --json. */
export function parseOptions<T extends OptionSpec>(args: string[], options: T) {
  try {
    return parseArgs({
      args,
      options: { ...options, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

/**
 * `pods list --json` may be typed `pods --json`: an option where the subcommand would be means
 * the default subcommand, with the option kept.
 */
export function splitSubcommand(args: string[], fallback: string): [string, string[]] {
  const [first, ...rest] = args
  if (first === undefined || first.startsWith('-')) return [fallback, args]
  return [first, rest]
}

export function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`Missing ${what}`)
  return value
}

export function wholeNumber(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number`)
  return Number(value)
}

/** `--env KEY=VALUE` pairs into an object (the value may itself contain "="). */
export function keyValues(pairs: string[], flag: string): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const i = pair.indexOf('=')
      if (i < 1) throw new UsageError(`${flag} expects KEY=VALUE, got "${pair}"`)
      return [pair.slice(0, i), pair.slice(i + 1)]
    }),
  )
}
