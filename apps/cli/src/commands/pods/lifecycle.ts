import { apiPath } from '../../api-path.js'
import { need, parseOptions, UsageError } from '../../args.js'
import type { ApiClient } from '../../client.js'
import type { CliContext } from '../../context.js'
import { latestEventId, type WaitTarget, waitFor } from './wait.js'

export type PodAction = 'start' | 'stop' | 'delete'

const TARGET: Record<PodAction, WaitTarget> = { start: 'running', stop: 'stopped', delete: 'gone' }

/** start, stop and delete write the intent; `--wait` follows the pod until it gets there. */
export async function podAction(
  api: ApiClient,
  action: PodAction,
  args: string[],
  ctx: CliContext,
): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    wait: { type: 'boolean' },
    'delete-volume': { type: 'boolean' },
  })
  if (values['delete-volume'] && action !== 'delete')
    throw new UsageError('--delete-volume goes with pods delete')
  const id = need(positionals[0], 'pod id')
  const path = apiPath`/api/pods/${id}`
  // Read before the request, so the wait shows this request's events and not the pod's history.
  const after = values.wait ? await latestEventId(api, id) : 0
  // A deleted pod's volume stays yours unless --delete-volume (see `neuropod volumes`).
  if (action === 'delete') await api.delete(values['delete-volume'] ? `${path}?keepVolume=false` : path)
  else await api.post(`${path}/${action}`)
  const target = TARGET[action]
  if (values.wait) await waitFor(api, id, target, ctx, after)
  ctx.out(`${id}: ${action} requested${values.wait ? `, now ${target}` : ''}`)
  return 0
}
