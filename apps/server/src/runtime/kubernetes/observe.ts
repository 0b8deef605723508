import type { CoreV1Event, V1Node, V1Pod, V1Service } from '@kubernetes/client-node'
import type { GpuStock, ObservedPhase, PodObservation, RuntimeEvent, TcpEndpoint } from '../pod-runtime.js'
import { CONTAINER_NAME, GPU_TYPE_NODE_LABEL, podIdFromName } from './names.js'
import { gpuNodeSelector, type KubernetesProfiles } from './profiles.js'

/**
 * Pure translations from what the cluster reports to what the platform understands: a Pod (and
 * its TCP Service) to a PodObservation, a Kubernetes Event to a RuntimeEvent, nodes and pods to
 * GPU stock. Objects arrive as JSON (watch events) or normalised to JSON (list results), so
 * timestamps are strings here; see `Plain`.
 */

/** A client-node model as it is on the wire: dates are RFC 3339 strings. */
export type Plain<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T

export type KPod = Plain<V1Pod>
export type KService = Plain<V1Service>
export type KEvent = Plain<CoreV1Event>
export type KNode = Plain<V1Node>

/** Waiting reasons after which the container will never start without a change from us. */
const FATAL_WAITING: Record<string, string> = {
  ImagePullBackOff: 'Image pull failed',
  InvalidImageName: 'Invalid image name',
  ErrImageNeverPull: 'Image not present and pulls are disabled',
  CreateContainerConfigError: 'Container configuration error',
  CreateContainerError: 'Container creation failed',
  RunContainerError: 'Container failed to start',
}

export interface ObserveContext {
  /** Host shown for NodePort endpoints; null = the node's address (status.hostIP) */
  tcpHost: string | null
  /** The last pull error the events reported for this pod (more telling than "Back-off pulling") */
  lastPullError?: string | null
}

export function absentObservation(podId: string): PodObservation {
  return { podId, phase: 'absent', reason: null, exitCode: null, startedAt: null, tcpEndpoints: [] }
}

/**
 * Maps a Pod to what the platform observes. A Pod being deleted counts as absent: its compute is
 * going away and nothing will bring it back.
 */
export function observePod(
  podId: string,
  pod: KPod | undefined,
  tcpService: KService | undefined,
  ctx: ObserveContext,
): PodObservation {
  if (!pod || pod.metadata?.deletionTimestamp) return absentObservation(podId)
  const state = podState(pod, ctx)
  return {
    podId,
    ...state,
    tcpEndpoints: state.phase === 'running' ? tcpEndpoints(pod, tcpService, ctx) : [],
  }
}

type State = Pick<PodObservation, 'phase' | 'reason' | 'exitCode' | 'startedAt'>

function state(phase: ObservedPhase, reason: string | null, exitCode: number | null = null): State {
  return { phase, reason, exitCode, startedAt: null }
}

function podState(pod: KPod, ctx: ObserveContext): State {
  const status = pod.status ?? {}
  const container = status.containerStatuses?.find((c) => c.name === CONTAINER_NAME)
  const terminated = container?.state?.terminated ?? container?.lastState?.terminated
  if (status.phase === 'Succeeded' || status.phase === 'Failed') {
    if (status.reason === 'Evicted' || status.reason === 'Preempting' || status.reason === 'DeadlineExceeded')
      return state(
        'exited',
        `${status.reason}: ${status.message ?? 'the pod was stopped by the cluster'}`,
        null,
      )
    return state('exited', terminated?.reason ?? status.reason ?? null, terminated?.exitCode ?? null)
  }
  if (status.phase === 'Unknown') return state('pending', 'The node running the pod does not respond')

  const waiting = container?.state?.waiting
  if (waiting?.reason === 'CrashLoopBackOff') {
    // Only reachable for pods created with a restarting policy; ours restart never.
    const last = container?.lastState?.terminated
    return state(
      'exited',
      `CrashLoopBackOff${last?.reason ? `, ${last.reason}` : ''}`,
      last?.exitCode ?? null,
    )
  }
  if (waiting?.reason && FATAL_WAITING[waiting.reason]) {
    const detail =
      waiting.reason === 'ImagePullBackOff' ? (ctx.lastPullError ?? waiting.message) : waiting.message
    return state('failed', `${FATAL_WAITING[waiting.reason]}: ${detail ?? waiting.reason}`)
  }
  if (waiting?.reason === 'ErrImagePull')
    return state('creating', `Pulling the image failed, retrying: ${waiting.message ?? 'unknown error'}`)
  if (container?.state?.terminated) {
    const t = container.state.terminated
    return state('exited', t.reason ?? null, t.exitCode ?? null)
  }
  if (container?.state?.running) {
    return {
      phase: 'running',
      reason: null,
      exitCode: null,
      startedAt: container.state.running.startedAt ? new Date(container.state.running.startedAt) : null,
    }
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled')
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
    return state('pending', unschedulableReason(scheduled.message ?? ''))
  if (!pod.spec?.nodeName) return state('creating', 'Waiting for the scheduler')
  if (waiting?.reason === 'ContainerCreating' || !waiting)
    return state('creating', 'Pulling the image and creating the container')
  return state('creating', `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`)
}

/** The scheduler's message, led by what it means for the user. */
export function unschedulableReason(message: string): string {
  const detail = message.trim() || 'no node can run it'
  if (/Insufficient [\w.-]+\/(gpu|mig-)/.test(detail)) return `Waiting for a free GPU: ${detail}`
  if (/didn't match Pod's node affinity\/selector/.test(detail))
    return `Waiting for a node with this GPU type: ${detail}`
  if (/Insufficient (cpu|memory|ephemeral-storage)/.test(detail))
    return `Waiting for CPU, memory or disk to free up: ${detail}`
  return `Waiting to be scheduled: ${detail}`
}

function tcpEndpoints(pod: KPod, service: KService | undefined, ctx: ObserveContext): TcpEndpoint[] {
  if (!service?.spec?.ports) return []
  const out: TcpEndpoint[] = []
  if (service.spec.type === 'LoadBalancer') {
    const lb = service.status?.loadBalancer?.ingress?.[0]
    const host = lb?.ip ?? lb?.hostname
    if (!host) return []
    for (const p of service.spec.ports) out.push({ port: p.port, host, hostPort: p.port })
    return out
  }
  const host = ctx.tcpHost ?? pod.status?.hostIP
  if (!host) return []
  for (const p of service.spec.ports) if (p.nodePort) out.push({ port: p.port, host, hostPort: p.nodePort })
  return out
}

// ---------------------------------------------------------------- events

/** Creation milestones, by event reason: they drive the progress bar while a pod starts. */
const PROGRESS: Record<string, number> = {
  ExternalProvisioning: 10,
  Provisioning: 10,
  ProvisioningSucceeded: 15,
  Scheduled: 20,
  SuccessfulAttachVolume: 25,
  Pulling: 30,
  Pulled: 60,
  Created: 70,
  Started: 80,
}

/**
 * A Kubernetes Event about one of our Pods or volumes, as the platform's pod event; null for
 * events about anything else. Messages are the cluster's own (they name images and nodes, which
 * owners and admins may see).
 */
export function runtimeEventFrom(event: KEvent): RuntimeEvent | null {
  const kind = event.involvedObject?.kind
  if (kind !== 'Pod' && kind !== 'PersistentVolumeClaim') return null
  const podId = podIdFromName(event.involvedObject?.name)
  if (!podId) return null
  const reason = event.reason ?? 'Event'
  return {
    podId,
    type: event.type === 'Warning' ? 'warning' : 'normal',
    reason,
    message: (event.message ?? reason).trim().slice(0, 1000),
    progress: event.type === 'Warning' ? null : (PROGRESS[reason] ?? null),
  }
}

// ---------------------------------------------------------------- GPU stock

const TERMINAL = new Set(['Succeeded', 'Failed'])

/**
 * Live GPU stock per type: the allocatable devices of the ready, schedulable nodes that offer the
 * type, minus what the pods bound to those nodes request (every namespace: other workloads use
 * GPUs too). Types come from the profiles and from `neuropod.io/gpu-type` node labels.
 */
export function computeGpuStock(nodes: KNode[], pods: KPod[], profiles: KubernetesProfiles): GpuStock[] {
  const types = new Set(Object.keys(profiles.gpuTypes))
  for (const node of nodes) {
    const t = node.metadata?.labels?.[GPU_TYPE_NODE_LABEL]
    if (t) types.add(t)
  }
  const usable = nodes.filter(
    (n) =>
      !n.spec?.unschedulable &&
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
  )
  const stock: GpuStock[] = []
  for (const gpuType of [...types].sort()) {
    const selector = gpuNodeSelector(profiles, gpuType)
    const resource = (profiles.gpuTypes[gpuType] ?? profiles.default).resourceName
    const matching = usable.filter((n) =>
      Object.entries(selector).every(([k, v]) => n.metadata?.labels?.[k] === v),
    )
    const names = new Set(matching.map((n) => n.metadata?.name))
    const total = matching.reduce((sum, n) => sum + count(n.status?.allocatable?.[resource]), 0)
    const used = pods
      .filter((p) => p.spec?.nodeName && names.has(p.spec.nodeName) && !TERMINAL.has(p.status?.phase ?? ''))
      .reduce((sum, p) => sum + podRequest(p, resource), 0)
    stock.push({ gpuType, total, free: Math.max(0, total - used), source: 'kubernetes' })
  }
  return stock
}

/** What a pod holds of an extended resource: its containers' sum, or its largest init container. */
function podRequest(pod: KPod, resource: string): number {
  const of = (c: { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }) =>
    Math.max(count(c.resources?.requests?.[resource]), count(c.resources?.limits?.[resource]))
  const main = (pod.spec?.containers ?? []).reduce((sum, c) => sum + of(c), 0)
  const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map(of))
  return Math.max(main, init)
}

function count(value: unknown): number {
  const n = typeof value === 'number' ? value : Number.parseInt(String(value ?? '0'), 10)
  return Number.isFinite(n) ? n : 0
}
