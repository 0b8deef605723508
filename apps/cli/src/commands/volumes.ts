import type { Volume } from '@neuropod/contracts'
import { apiPath } from '../api-path.js'
import { need, parseOptions, splitSubcommand, UsageError, wholeNumber } from '../args.js'
import { type Command, print, signedInClient } from '../context.js'
import { euros, table } from '../format.js'

/** Bytes for people: "1.5 GB", or "-" where the runtime does not measure them. */
function bytes(value: number | null): string {
  if (value === null) return '-'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = value
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

function describe(v: Volume): string {
  return [
    `${v.name} (${v.volumeId})`,
    `  size:      ${v.sizeGb} GB (resize: ${v.resize === 'expand' ? 'grows the volume' : 'recorded only'})`,
    `  used:      ${v.usedBytes === null ? `- (${v.usageNote ?? 'not measured'})` : bytes(v.usedBytes)}`,
    `  mount:     ${v.mountPath}`,
    `  attached:  ${v.attachedPod ? `${v.attachedPod.podName} (${v.attachedPod.podId}, ${v.attachedPod.status})` : '-'}`,
    `  cost:      ${v.metered ? `${euros(v.costPerHour)}/h` : 'not metered'}`,
    `  status:    ${v.status}`,
  ].join('\n')
}

/**
 * The user's volumes (storage that outlives pods): list (the default), create <name> --size GB
 * [--mount path], get <id>, rename <id> <new name>, resize <id> --size GB (grow only),
 * delete <id> (refused while a pod holds it).
 */
export const volumes: Command = async (args, ctx) => {
  const [sub, rest] = splitSubcommand(args, 'list')
  const { values, positionals } = parseOptions(rest, {
    size: { type: 'string' },
    mount: { type: 'string' },
    user: { type: 'string' },
  })
  const api = signedInClient(ctx)
  const size = () => wholeNumber(need(values.size, '--size <GB>'), '--size')
  const one = (v: Volume) => print(ctx, values.json, v, () => describe(v))
  switch (sub) {
    case 'list': {
      const query = values.user ? `?userEmail=${encodeURIComponent(values.user)}` : ''
      const list = (await api.get<{ data: Volume[] }>(`/api/volumes${query}`)).data
      print(ctx, values.json, list, () =>
        table(
          ['ID', 'NAME', 'SIZE', 'USED', 'ATTACHED TO', 'COST/H', 'STATUS'],
          list.map((v) => [
            v.volumeId,
            v.name,
            `${v.sizeGb} GB`,
            bytes(v.usedBytes),
            v.attachedPod?.podName ?? null,
            v.metered ? euros(v.costPerHour) : null,
            v.status,
          ]),
        ),
      )
      return 0
    }
    case 'create': {
      const body = {
        name: need(positionals[0], 'volume name'),
        size: size(),
        ...(values.mount ? { mountPath: values.mount } : {}),
      }
      one((await api.post<{ data: Volume }>('/api/volumes', body)).data)
      return 0
    }
    case 'get':
      one((await api.get<{ data: Volume }>(apiPath`/api/volumes/${need(positionals[0], 'volume id')}`)).data)
      return 0
    case 'rename': {
      const id = need(positionals[0], 'volume id')
      const name = need(positionals[1], 'new name')
      one((await api.patch<{ data: Volume }>(apiPath`/api/volumes/${id}`, { name })).data)
      return 0
    }
    case 'resize': {
      const id = need(positionals[0], 'volume id')
      one((await api.patch<{ data: Volume }>(apiPath`/api/volumes/${id}`, { size: size() })).data)
      return 0
    }
    case 'delete': {
      const id = need(positionals[0], 'volume id')
      await api.delete(apiPath`/api/volumes/${id}`)
      print(ctx, values.json, { volumeId: id, deleted: true }, () => 'Deleted.')
      return 0
    }
    default:
      throw new UsageError(`Unknown volumes command "${sub}"`)
  }
}
