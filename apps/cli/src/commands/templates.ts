import type { Template } from '@neuropod/contracts'
import { parseOptions } from '../args.js'
import { type Command, print, signedInClient } from '../context.js'
import { table } from '../format.js'

export const templates: Command = async (args, ctx) => {
  const { values } = parseOptions(args, {})
  const list = await signedInClient(ctx).get<Template[]>('/api/templates')
  print(ctx, values.json, list, () =>
    table(
      ['NAME', 'IMAGE', 'HTTP PORTS', 'DISK', 'VOLUME'],
      list.map((t) => [
        t.name,
        t.dockerImage,
        t.httpPorts.map((p) => p.port).join(','),
        `${t.containerDiskSize} GB`,
        `${t.volumeDiskSize} GB ${t.volumePath}`,
      ]),
    ),
  )
  return 0
}
