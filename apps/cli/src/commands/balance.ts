import type { BillingSummary } from '@neuropod/contracts'
import { parseOptions } from '../args.js'
import { type Command, print, signedInClient } from '../context.js'
import { euros } from '../format.js'

export const balance: Command = async (args, ctx) => {
  const { values } = parseOptions(args, {})
  const s = (await signedInClient(ctx).get<{ data: BillingSummary }>('/api/billing/summary')).data
  print(
    ctx,
    values.json,
    s,
    () =>
      `Balance ${euros(s.balance)}; burning ${euros(s.burnRatePerHour)}/h with ${s.runningPods} running pod(s)${s.hoursLeft !== null ? `; covers ${s.hoursLeft.toFixed(1)} h` : ''}`,
  )
  return 0
}
