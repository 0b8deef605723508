import type { GpuInfo } from '@neuropod/contracts'
import { parseOptions } from '../args.js'
import { type Command, print, signedInClient } from '../context.js'
import { table } from '../format.js'

export const gpus: Command = async (args, ctx) => {
  const { values } = parseOptions(args, {})
  const list = (await signedInClient(ctx).get<{ data: GpuInfo[] }>('/api/pricing/gpus')).data
  print(ctx, values.json, list, () =>
    table(
      ['ID', 'NAME', '€/H', 'AVAILABLE', 'FREE', 'MEMORY'],
      list.map((g) => [
        g.id,
        g.name,
        g.price.toFixed(2),
        g.available ? 'yes' : 'no',
        g.stock ? `${g.stock.free}/${g.stock.total}` : '-',
        g.specs.memory,
      ]),
    ),
  )
  return 0
}
