import type { ApiKey } from '@neuropod/contracts'
import { apiPath } from '../api-path.js'
import { need, parseOptions, splitSubcommand, UsageError } from '../args.js'
import { type Command, print, signedInClient } from '../context.js'
import { table } from '../format.js'

/** API keys: list (the default), create (the key is shown once) and revoke. */
export const keys: Command = async (args, ctx) => {
  const [sub, rest] = splitSubcommand(args, 'list')
  const { values, positionals } = parseOptions(rest, {})
  const api = signedInClient(ctx)
  switch (sub) {
    case 'list': {
      const list = (await api.get<{ data: ApiKey[] }>('/api/auth/api-keys')).data
      print(ctx, values.json, list, () =>
        table(
          ['ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED'],
          list.map((k) => [k.id, k.name, k.prefix, k.createdAt, k.lastUsedAt]),
        ),
      )
      return 0
    }
    case 'create': {
      const key = (
        await api.post<{ data: ApiKey & { key: string } }>('/api/auth/api-keys', {
          name: need(positionals[0], 'key name'),
        })
      ).data
      print(ctx, values.json, key, () => `${key.key}\n(shown once: store it now)`)
      return 0
    }
    case 'revoke':
      await api.delete(apiPath`/api/auth/api-keys/${need(positionals[0], 'key id')}`)
      ctx.out('Revoked.')
      return 0
    default:
      throw new UsageError(`Unknown keys command "${sub}"`)
  }
}
