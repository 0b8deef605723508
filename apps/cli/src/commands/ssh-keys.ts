import fs from 'node:fs'
import type { SshKey } from '@neuropod/contracts'
import { apiPath } from '../api-path.js'
import { need, parseOptions, splitSubcommand, UsageError } from '../args.js'
import { type Command, print, signedInClient } from '../context.js'
import { table } from '../format.js'

/** SSH public keys on the account: list (the default), add <file> [--name n], delete <id>. */
export const sshKeys: Command = async (args, ctx) => {
  const [sub, rest] = splitSubcommand(args, 'list')
  const { values, positionals } = parseOptions(rest, { name: { type: 'string' } })
  const api = signedInClient(ctx)
  switch (sub) {
    case 'list': {
      const list = (await api.get<{ data: SshKey[] }>('/api/ssh-keys')).data
      print(ctx, values.json, list, () =>
        table(
          ['ID', 'NAME', 'FINGERPRINT', 'CREATED', 'LAST USED'],
          list.map((k) => [k.id, k.name, k.fingerprint, k.createdAt, k.lastUsedAt]),
        ),
      )
      return 0
    }
    case 'add': {
      const file = need(positionals[0], 'public key file (e.g. ~/.ssh/id_ed25519.pub)')
      let publicKey: string
      try {
        publicKey = fs.readFileSync(file, 'utf8')
      } catch (error) {
        throw new Error(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
      }
      const key = (
        await api.post<{ data: SshKey }>('/api/ssh-keys', {
          publicKey,
          ...(values.name ? { name: values.name } : {}),
        })
      ).data
      print(ctx, values.json, key, () => `Added ${key.algorithm} key ${key.fingerprint} (${key.id})`)
      return 0
    }
    case 'delete':
      await api.delete(apiPath`/api/ssh-keys/${need(positionals[0], 'key id')}`)
      ctx.out('Deleted.')
      return 0
    default:
      throw new UsageError(`Unknown ssh-keys command "${sub}"`)
  }
}
