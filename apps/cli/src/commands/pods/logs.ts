import type { LogLine } from '@neuropod/contracts'
import { apiPath } from '../../api-path.js'
import { need, parseOptions, wholeNumber } from '../../args.js'
import type { ApiClient } from '../../client.js'
import type { CliContext } from '../../context.js'
import { openSocket } from '../../realtime.js'

/** The last lines of the container's output; `--follow` streams new ones until Ctrl-C. */
export async function podLogs(api: ApiClient, args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    tail: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
  })
  const podId = need(positionals[0], 'pod id')
  const tail = values.tail ? wholeNumber(values.tail, '--tail') : 200
  const print = (lines: LogLine[]) => {
    for (const l of lines)
      ctx.out(
        values.json
          ? JSON.stringify(l)
          : `${l.timestamp ?? ''} ${l.stream === 'stderr' ? '!' : ' '} ${l.message}`,
      )
  }
  if (!values.follow) {
    const result = (
      await api.get<{ data: { lines: LogLine[]; available: boolean; reason: string | null } }>(
        `${apiPath`/api/pods/${podId}/logs`}?tail=${tail}`,
      )
    ).data
    if (!result.available) ctx.err(result.reason ?? 'No logs available')
    print(result.lines)
    return 0
  }
  const socket = openSocket(api)
  return new Promise<number>((resolve) => {
    const stop = (code: number) => {
      socket.disconnect()
      resolve(code)
    }
    process.once('SIGINT', () => stop(0))
    socket.on('connect', () => socket.emit('requestLogs', { podId, tail, follow: true }))
    socket.on('podLogs', (e) => {
      if (e.podId !== podId) return
      print(e.logs)
      if (!e.follow) {
        if (!e.available) ctx.err(e.reason ?? 'The log stream ended')
        stop(0)
      }
    })
    socket.on('error', (e) => {
      ctx.err(`Error: ${e.message}`)
      stop(1)
    })
    socket.on('connect_error', (e) => {
      ctx.err(`Error: ${e.message}`)
      stop(1)
    })
  })
}
