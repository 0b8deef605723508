import type { ContainerInspectInfo } from 'dockerode'
import type { PodObservation, TcpEndpoint } from '../pod-runtime.js'
import { LABEL_TCP_PORTS, portsFromLabel } from './container-spec.js'
import { LABEL_POD } from './names.js'

/**
 * What a container's inspect answer means for its pod. Pure, tested as data. Engines disagree on
 * details (Podman reports `stopped` and `configured`, Docker `created`/`exited`; Podman on cgroup v1
 * never sets OOMKilled), so anything unknown that is not running counts as exited.
 */

/** The part of the engine's inspect answer the runtime reads. */
export interface Inspect {
  Id: string
  State: Pick<ContainerInspectInfo['State'], 'Status' | 'OOMKilled' | 'ExitCode' | 'Error' | 'StartedAt'> &
    Partial<ContainerInspectInfo['State']>
  Config: { Labels?: Record<string, string> | null; Env?: string[] | null }
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null }
}

export interface ObserveContext {
  /** Host name users connect to for TCP ports */
  tcpHost: string
  /** The container was reported OOM-killed by an `oom` event */
  oomKilled?: boolean
}

export function observationFromInspect(info: Inspect, context: ObserveContext): PodObservation {
  const podId = info.Config.Labels?.[LABEL_POD] ?? ''
  const state = info.State
  const base = { podId, reason: null, exitCode: null, startedAt: null, tcpEndpoints: [] as TcpEndpoint[] }
  switch (state.Status) {
    case 'running':
    case 'paused':
    case 'restarting':
      return {
        ...base,
        phase: 'running',
        reason: state.Status === 'running' ? null : `The container is ${state.Status}`,
        startedAt: validDate(state.StartedAt),
        tcpEndpoints: tcpEndpoints(info, context.tcpHost),
      }
    case 'created':
    case 'configured':
      return { ...base, phase: 'creating', reason: 'Container created; starting it' }
    case 'removing':
      return { ...base, phase: 'absent' }
    default: {
      const oom = state.OOMKilled || context.oomKilled === true
      const reason = oom ? 'OOMKilled' : state.Error ? state.Error : state.Status === 'dead' ? 'dead' : null
      return {
        ...base,
        phase: 'exited',
        reason,
        exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : null,
        startedAt: validDate(state.StartedAt),
      }
    }
  }
}

/** Container port → published host port, for every published TCP port. */
export function hostPorts(info: Inspect): Map<number, number> {
  const out = new Map<number, number>()
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const m = /^(\d+)\/tcp$/.exec(key)
    const hostPort = Number(bindings?.[0]?.HostPort)
    if (m && Number.isInteger(hostPort) && hostPort > 0) out.set(Number(m[1]), hostPort)
  }
  return out
}

function tcpEndpoints(info: Inspect, host: string): TcpEndpoint[] {
  const ports = hostPorts(info)
  return portsFromLabel(info.Config.Labels?.[LABEL_TCP_PORTS]).flatMap((port) => {
    const hostPort = ports.get(port)
    return hostPort ? [{ port, host, hostPort }] : []
  })
}

function validDate(value: string | undefined): Date | null {
  if (!value || value.startsWith('0001-')) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

export function absentObservation(podId: string): PodObservation {
  return { podId, phase: 'absent', reason: null, exitCode: null, startedAt: null, tcpEndpoints: [] }
}
