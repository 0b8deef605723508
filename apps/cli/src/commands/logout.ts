import { ApiClient } from '../client.js'
import { loadCliConfig, saveCliConfig } from '../config-store.js'
import type { Command } from '../context.js'

/** Ends a session on the server (API keys stay valid until revoked) and forgets the credential. */
export const logout: Command = async (_args, ctx) => {
  const config = loadCliConfig(ctx.env)
  if (config.token?.startsWith('nps_'))
    await new ApiClient(config.url, config.token).post('/api/auth/logout').catch(() => {})
  saveCliConfig({ url: config.url, token: null }, ctx.env)
  ctx.out('Signed out.')
  return 0
}
