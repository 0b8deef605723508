import type { HttpService, Pod, PodEvent, PodStatus } from '../../api/types'
import type { BadgeTone } from '../../components/Feedback'

const TONES: Record<PodStatus, BadgeTone> = {
  pending: 'info',
  creating: 'info',
  running: 'ok',
  stopping: 'warn',
  stopped: 'neutral',
  error: 'bad',
  deleting: 'warn',
}

export const statusTone = (status: PodStatus): BadgeTone => TONES[status]

const SERVICE_TONES: Record<HttpService['status'], BadgeTone> = {
  ready: 'ok',
  creating: 'info',
  error: 'bad',
  stopped: 'neutral',
}

/** The badge colour of a service's readiness (HTTP and TCP services share the states). */
export const serviceTone = (status: HttpService['status']): BadgeTone => SERVICE_TONES[status]
export const isTransitional = (status: PodStatus) =>
  status === 'pending' || status === 'creating' || status === 'stopping' || status === 'deleting'

/** Actions follow the server's state machine; the buttons never offer what the server would refuse. */
export const canStart = (pod: Pod) =>
  (pod.status === 'stopped' || pod.status === 'error') && pod.desiredState !== 'deleted'
export const canStop = (pod: Pod) =>
  (pod.status === 'pending' || pod.status === 'creating' || pod.status === 'running') &&
  pod.desiredState === 'running'
export const canDelete = (pod: Pod) => pod.desiredState !== 'deleted' && pod.status !== 'deleting'

/** The furthest progress the lifecycle events report since the last (re)start. */
export function creationProgress(events: PodEvent[] | undefined): {
  percent: number
  latest: PodEvent | null
} {
  if (!events || events.length === 0) return { percent: 5, latest: null }
  let start = 0
  events.forEach((e, i) => {
    if (e.reason === 'Scheduled' || e.reason === 'Accepted') start = i
  })
  const recent = events.slice(start)
  const percent = recent.reduce((max, e) => (e.progress !== null && e.progress > max ? e.progress : max), 5)
  return { percent, latest: recent[recent.length - 1] ?? null }
}

export function uptimeSeconds(pod: Pod, now: number): number {
  if (pod.status !== 'running' || !pod.startedAt) return 0
  return Math.max(0, (now - new Date(pod.startedAt).getTime()) / 1000)
}

export function gpuText(pod: Pod): string {
  if (pod.gpu === 'cpu' || pod.gpuCount === 0) return 'CPU'
  const name = pod.gpu.toUpperCase().replace(/-/g, ' ')
  return pod.gpuCount > 1 ? `${pod.gpuCount} × ${name}` : name
}

/** The address of a pod's own page */
export const podPath = (podId: string) => `/pods/${encodeURIComponent(podId)}`
