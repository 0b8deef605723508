import type { User } from '@neuropod/contracts'
import { parseOptions } from '../args.js'
import { type Command, print, signedInClient } from '../context.js'
import { euros } from '../format.js'

export const whoami: Command = async (args, ctx) => {
  const { values } = parseOptions(args, {})
  const me = (await signedInClient(ctx).get<{ data: User }>('/api/auth/me')).data
  print(ctx, values.json, me, () => `${me.name} <${me.email}> ${me.role}, balance ${euros(me.balance)}`)
  return 0
}
