import type { User } from '@neuropod/contracts'
import { parseOptions, UsageError } from '../args.js'
import { ApiClient } from '../client.js'
import { loadCliConfig, saveCliConfig } from '../config-store.js'
import type { Command } from '../context.js'

/** Signs in with a password (or takes an API key), checks the credential, and saves it. */
export const login: Command = async (args, ctx) => {
  const { values } = parseOptions(args, {
    url: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
    'api-key': { type: 'string' },
  })
  const url = (values.url ?? loadCliConfig(ctx.env).url).replace(/\/+$/, '')
  let token: string
  if (values['api-key']) token = values['api-key']
  else {
    const password = values.password ?? ctx.env.NEUROPOD_PASSWORD
    if (!values.email || !password)
      throw new UsageError('login needs --email and --password (or NEUROPOD_PASSWORD), or --api-key')
    token = (
      await new ApiClient(url, null).post<{ token: string }>('/api/auth/login', {
        email: values.email,
        password,
      })
    ).token
  }
  const me = (await new ApiClient(url, token).get<{ data: User }>('/api/auth/me')).data
  const file = saveCliConfig({ url, token }, ctx.env)
  ctx.out(`Signed in to ${url} as ${me.email} (${me.role}). Credential saved in ${file}.`)
  return 0
}
