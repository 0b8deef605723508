import { splitSubcommand, UsageError } from '../../args.js'
import { type Command, signedInClient } from '../../context.js'
import { createPod } from './create.js'
import { extendPod } from './extend.js'
import { podAction } from './lifecycle.js'
import { podLogs } from './logs.js'
import { openPod } from './open.js'
import { getPod, listPods, podEvents, podUrls } from './show.js'

/** `pods <subcommand>`; `list` when none is given (`pods`, `pods --all --json`). */
export const pods: Command = async (args, ctx) => {
  const [sub, rest] = splitSubcommand(args, 'list')
  const api = signedInClient(ctx)
  switch (sub) {
    case 'list':
      return listPods(api, rest, ctx)
    case 'create':
      return createPod(api, rest, ctx)
    case 'get':
      return getPod(api, rest, ctx)
    case 'urls':
      return podUrls(api, rest, ctx)
    case 'events':
      return podEvents(api, rest, ctx)
    case 'start':
    case 'stop':
    case 'delete':
      return podAction(api, sub, rest, ctx)
    case 'logs':
      return podLogs(api, rest, ctx)
    case 'open':
      return openPod(api, rest, ctx)
    case 'extend':
      return extendPod(api, rest, ctx)
    default:
      throw new UsageError(`Unknown pods command "${sub}"`)
  }
}
