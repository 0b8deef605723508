/**
 * `neuropod` — the command-line client. Every command maps to one or two API calls; `--json`
 * prints machine-readable output (JSON lines for log streams) for scripts and agents.
 * Each command lives in `commands/`; this file only dispatches and turns failures into exit codes.
 */
import { UsageError } from './args.js'
import { balance } from './commands/balance.js'
import { gpus } from './commands/gpus.js'
import { keys } from './commands/keys.js'
import { login } from './commands/login.js'
import { logout } from './commands/logout.js'
import { pods } from './commands/pods/index.js'
import { ssh } from './commands/ssh.js'
import { sshKeys } from './commands/ssh-keys.js'
import { templates } from './commands/templates.js'
import { volumes } from './commands/volumes.js'
import { whoami } from './commands/whoami.js'
import type { CliContext, Command } from './context.js'
import { HELP } from './help.js'

export type { CliContext }

const COMMANDS: Record<string, Command> = {
  login,
  logout,
  whoami,
  pods,
  templates,
  gpus,
  balance,
  keys,
  'ssh-keys': sshKeys,
  ssh,
  volumes,
}

/** Runs one command line; 0 success, 1 the API or the network refused, 2 a usage mistake. */
export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help') {
    ctx.out(HELP)
    return 0
  }
  try {
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
    if (!command) throw new UsageError(`Unknown command "${name}"`)
    return await command(rest, ctx)
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err(`${error.message}\n\n${HELP}`)
      return 2
    }
    if (error instanceof Error) {
      ctx.err(`Error: ${error.message}`)
      return 1
    }
    throw error
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  run(process.argv.slice(2), {
    env: process.env,
    out: (t) => console.log(t),
    err: (t) => console.error(t),
  }).then((code) => {
    process.exitCode = code
  })
}
