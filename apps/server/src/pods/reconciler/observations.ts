import type { PodRow, TcpServiceRecord } from '../../db/schema.js'
import type { PodObservation } from '../../runtime/pod-runtime.js'

/** What the runtime reports about a pod, decided against the pod's row (no I/O here). */
export type ObservationStep =
  /** Nothing to change */
  | { kind: 'ignore' }
  /** A stop or delete is pending and the runtime has not caught up: the reconcile loop finishes it */
  | { kind: 'reconcile' }
  /** Not running yet: show the runtime's progress (only while pending or creating) */
  | { kind: 'progress'; status: 'pending' | 'creating'; reason: string | null }
  /** The container runs; during a resync also re-apply per-port access (a lost change) */
  | { kind: 'running'; syncAccess: boolean }
  | { kind: 'fail'; reason: string; exitCode: number | null }
  /** Place the pod again (the container never came to be, or a simulation restarted) */
  | { kind: 'reset'; reason: string }

export type ObservedPod = Pick<PodRow, 'status' | 'desired_state' | 'compute_active' | 'status_reason'>

export interface ObservationContext {
  /** Part of a resync (after a restart or a lost watch) rather than a live event */
  duringResync: boolean
  /** The runtime keeps containers across its own restarts (docker, kubernetes; not the simulation) */
  persistent: boolean
}

const ACTIVE = ['pending', 'creating', 'running']

export function observationStep(
  pod: ObservedPod,
  o: PodObservation,
  ctx: ObservationContext,
): ObservationStep {
  if (pod.status === 'deleted') return { kind: 'ignore' }
  if (pod.desired_state !== 'running') {
    const settled = pod.status === (pod.desired_state === 'stopped' ? 'stopped' : 'deleted')
    return o.phase !== 'absent' || !settled ? { kind: 'reconcile' } : { kind: 'ignore' }
  }
  switch (o.phase) {
    case 'pending': {
      const starting = pod.status === 'pending' || pod.status === 'creating'
      const waiting = starting && !pod.compute_active && pod.status_reason !== o.reason
      return waiting ? { kind: 'progress', status: 'pending', reason: o.reason } : { kind: 'ignore' }
    }
    case 'creating': {
      const moved = pod.status === 'pending' || (pod.status === 'creating' && pod.status_reason !== o.reason)
      return moved ? { kind: 'progress', status: 'creating', reason: o.reason } : { kind: 'ignore' }
    }
    case 'running':
      return ACTIVE.includes(pod.status)
        ? { kind: 'running', syncAccess: ctx.duringResync }
        : { kind: 'ignore' }
    case 'exited':
    case 'failed':
      if (!ACTIVE.includes(pod.status)) return { kind: 'ignore' }
      return {
        kind: 'fail',
        reason: o.phase === 'failed' ? (o.reason ?? 'The runtime could not run the pod') : exitReason(o),
        exitCode: o.exitCode,
      }
    case 'absent':
      return absentStep(pod, ctx)
  }
}

function absentStep(pod: ObservedPod, ctx: ObservationContext): ObservationStep {
  const hadContainer = pod.status === 'running' || (pod.status === 'creating' && pod.compute_active)
  if (hadContainer && ctx.persistent)
    return { kind: 'fail', reason: 'The container was removed outside NeuroPod', exitCode: null }
  if (pod.status === 'creating' && (ctx.duringResync || !ctx.persistent))
    // Interrupted before the container existed (or the simulation restarted): create it again.
    return { kind: 'reset', reason: 'Re-creating the container after a restart' }
  if (pod.status === 'running' && !ctx.persistent)
    return { kind: 'reset', reason: 'The simulated runtime restarted; starting the pod again' }
  return { kind: 'ignore' }
}

export function exitReason(o: Pick<PodObservation, 'exitCode' | 'reason'>): string {
  const code = o.exitCode ?? null
  const detail = o.reason ? ` (${o.reason})` : code === 137 ? ' (killed)' : ''
  return code === null ? `The container stopped${detail}` : `The container exited with code ${code}${detail}`
}

/** TCP services with the endpoints the runtime published (ready), or waiting for one. */
export function tcpWithEndpoints(services: TcpServiceRecord[], o: PodObservation): TcpServiceRecord[] {
  return services.map((s) => {
    const e = o.tcpEndpoints.find((t) => t.port === s.port)
    return e
      ? { ...s, status: 'ready', host: e.host, hostPort: e.hostPort }
      : { ...s, status: 'creating', host: null, hostPort: null }
  })
}

/** A running container seen again: what its row needs, if anything. */
export type RunningStep =
  /** First sight of it running: compute accrues from now and readiness probing starts */
  | { kind: 'start'; tcp: TcpServiceRecord[] }
  /** Already accruing: refresh TCP endpoints if they moved, probe again while a port is not ready */
  | { kind: 'refresh'; tcp: TcpServiceRecord[] | null; probe: boolean }

export function runningStep(
  pod: Pick<PodRow, 'compute_active' | 'tcp_services' | 'http_services'>,
  o: PodObservation,
): RunningStep {
  const tcp = tcpWithEndpoints(pod.tcp_services, o)
  if (!pod.compute_active) return { kind: 'start', tcp }
  return {
    kind: 'refresh',
    tcp: JSON.stringify(tcp) !== JSON.stringify(pod.tcp_services) ? tcp : null,
    probe: pod.http_services.some((s) => s.status !== 'ready'),
  }
}
