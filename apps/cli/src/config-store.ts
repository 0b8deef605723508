import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface CliConfig {
  url: string
  token: string | null
}

/** ~/.config/neuropod/config.json (mode 0600), overridden by NEUROPOD_URL / NEUROPOD_TOKEN. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.NEUROPOD_CONFIG ??
    path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'neuropod', 'config.json')
  )
}

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  let stored: Partial<CliConfig> = {}
  try {
    stored = JSON.parse(fs.readFileSync(configPath(env), 'utf8')) as Partial<CliConfig>
  } catch {
    stored = {}
  }
  return {
    url: (env.NEUROPOD_URL ?? stored.url ?? 'http://localhost:3000').replace(/\/+$/, ''),
    token: env.NEUROPOD_TOKEN ?? stored.token ?? null,
  }
}

export function saveCliConfig(config: CliConfig, env: NodeJS.ProcessEnv = process.env): string {
  const file = configPath(env)
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  return file
}
