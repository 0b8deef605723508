import type { PodLogsEvent } from '@neuropod/contracts'
import { useEffect, useState } from 'react'
import { api } from '../../api/api'
import { errorMessage } from '../../api/errors'
import type { LogLine } from '../../api/types'
import { useRealtime } from '../../realtime/RealtimeProvider'

const MAX_LINES = 10_000

export interface PodLogsState {
  lines: LogLine[]
  /** The runtime could not give logs; `reason` says why */
  unavailable: string | null
  /** New lines arrive as the pod writes them */
  live: boolean
  loading: boolean
}

/** Adds a batch to the lines: the first batch of a request replaces them, later ones append. */
export function applyLogBatch(
  lines: LogLine[],
  event: Pick<PodLogsEvent, 'logs' | 'initial'>,
  max = MAX_LINES,
): LogLine[] {
  const next = event.initial ? event.logs : [...lines, ...event.logs]
  return next.length > max ? next.slice(next.length - max) : next
}

/**
 * The last `tail` lines of a pod, then (with `follow`) every new line over the socket. Without a
 * live socket it reads the same tail over HTTP and says it is not live.
 */
export function usePodLogs(podId: string, tail: number, follow: boolean, refresh: number): PodLogsState {
  const { socket, status } = useRealtime()
  const [state, setState] = useState<PodLogsState>({
    lines: [],
    unavailable: null,
    live: false,
    loading: true,
  })
  const connected = status === 'live' && socket !== null

  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` re-requests on demand
  useEffect(() => {
    setState({ lines: [], unavailable: null, live: false, loading: true })
    if (!connected || !socket) {
      let cancelled = false
      api.pods.logs(podId, tail).then(
        (result) => {
          if (!cancelled)
            setState({
              lines: result.lines,
              unavailable: result.available ? null : result.reason,
              live: false,
              loading: false,
            })
        },
        (error: unknown) => {
          if (!cancelled)
            setState({
              lines: [],
              unavailable: errorMessage(error, 'Logs unavailable'),
              live: false,
              loading: false,
            })
        },
      )
      return () => {
        cancelled = true
      }
    }
    const onLogs = (event: PodLogsEvent) => {
      if (event.podId !== podId) return
      setState((s) => ({
        lines: applyLogBatch(s.lines, event),
        unavailable: event.available ? null : event.reason,
        live: event.available && event.follow,
        loading: false,
      }))
    }
    socket.on('podLogs', onLogs)
    socket.emit('requestLogs', { podId, tail, follow })
    // A followed pod with no output yet sends nothing: stop showing a spinner after a moment.
    const settle = setTimeout(
      () => setState((s) => ({ ...s, loading: false, live: follow && !s.unavailable })),
      800,
    )
    return () => {
      clearTimeout(settle)
      socket.off('podLogs', onLogs)
      if (follow) socket.emit('stopLogs', { podId })
    }
  }, [socket, connected, podId, tail, follow, refresh])

  return state
}
