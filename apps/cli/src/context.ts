import { UsageError } from './args.js'
import { ApiClient } from './client.js'
import { loadCliConfig } from './config-store.js'

type Out = (text: string) => void

/** What a command may touch: the environment and two output streams (tests capture both). */
export interface CliContext {
  env: NodeJS.ProcessEnv
  out: Out
  err: Out
}

/** A command gets its arguments (after its name) and answers an exit code. */
export type Command = (args: string[], ctx: CliContext) => Promise<number>

export function signedInClient(ctx: CliContext): ApiClient {
  const config = loadCliConfig(ctx.env)
  if (!config.token) throw new UsageError('Not signed in: run `neuropod login` or set NEUROPOD_TOKEN')
  return new ApiClient(config.url, config.token)
}

/** `--json` prints the API's object as one line for scripts; otherwise the text for people. */
export function print(ctx: CliContext, json: boolean | undefined, value: unknown, text: () => string): void {
  ctx.out(json ? JSON.stringify(value) : text())
}
