import { apiPath } from '../../api-path.js'
import { need, parseOptions } from '../../args.js'
import type { ApiClient } from '../../client.js'
import { type CliContext, print } from '../../context.js'

interface Extended {
  podId: string
  idleDeadline: string | null
  extendedByMinutes: number
}

/** `pods extend <id>`: Keep running — the idle deadline moves by one idle timeout. */
export async function extendPod(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {})
  const id = need(positionals[0], 'pod id')
  const result = (await api.post<{ data: Extended }>(apiPath`/api/pods/${id}/extend`)).data
  print(
    ctx,
    values.json,
    result,
    () =>
      `${id}: kept running for ${result.extendedByMinutes} more min${result.idleDeadline ? `; stops when idle after ${result.idleDeadline}` : ''}`,
  )
  return 0
}
