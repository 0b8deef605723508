import type { Connections, Pod, PodEvent } from '@neuropod/contracts'
import { apiPath } from '../../api-path.js'
import { need, parseOptions } from '../../args.js'
import type { ApiClient } from '../../client.js'
import { type CliContext, print } from '../../context.js'
import { table } from '../../format.js'
import { podTable, serviceLines } from './output.js'

/** Read-only pod commands: list, get, urls, events. */

export async function listPods(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseOptions(args, { all: { type: 'boolean' } })
  const list = values.all
    ? (await api.get<{ data: Pod[] }>('/api/pods/admin?limit=200')).data
    : (await api.get<{ data: Pod[] }>('/api/pods')).data
  print(ctx, values.json, list, () => (list.length ? podTable(list) : 'No pods.'))
  return 0
}

export async function getPod(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {})
  const pod = (await api.get<{ data: Pod }>(apiPath`/api/pods/${need(positionals[0], 'pod id')}`)).data
  print(ctx, values.json, pod, () => `${podTable([pod])}\n\n${serviceLines(pod)}`)
  return 0
}

export async function podUrls(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {})
  const path = apiPath`/api/pods/${need(positionals[0], 'pod id')}/connections`
  const connections = (await api.get<{ data: Connections }>(path)).data
  print(ctx, values.json, connections, () => serviceLines(connections))
  return 0
}

export async function podEvents(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {})
  const path = apiPath`/api/pods/${need(positionals[0], 'pod id')}/events`
  const events = (await api.get<{ data: PodEvent[] }>(path)).data
  // JSON lines, like the log stream: one event per line.
  ctx.out(
    values.json
      ? events.map((e) => JSON.stringify(e)).join('\n')
      : table(
          ['TIME', 'TYPE', 'REASON', 'MESSAGE'],
          events.map((e) => [e.at, e.type, e.reason, e.message]),
        ),
  )
  return 0
}
