import type { PodMetricsEvent } from '@neuropod/contracts'
import { useEffect, useRef } from 'react'
import { useRealtime } from './RealtimeProvider'

/**
 * Live usage samples of one pod: subscribes to the pod (the server checks access: owner or admin)
 * and calls `onSample` for each `podMetrics` event, again after every reconnection.
 */
export function usePodMetricsLive(
  podId: string,
  enabled: boolean,
  onSample: (e: PodMetricsEvent) => void,
): void {
  const { socket } = useRealtime()
  const latest = useRef(onSample)
  latest.current = onSample
  useEffect(() => {
    if (!socket || !enabled) return
    const handler = (e: PodMetricsEvent) => {
      if (e.podId === podId) latest.current(e)
    }
    const join = () => socket.emit('subscribe', { podId })
    socket.on('podMetrics', handler)
    socket.on('connect', join)
    if (socket.connected) join()
    return () => {
      socket.off('podMetrics', handler)
      socket.off('connect', join)
    }
  }, [socket, podId, enabled])
}
