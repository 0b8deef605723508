import type { V1Ingress, V1Service } from '@kubernetes/client-node'
import { RuntimeRejectedError, RuntimeWaitError } from '../pod-runtime.js'
import { canonical, kubeError, plain } from './kube-client.js'

/**
 * Pure comparisons that decide whether an object on the cluster already has the form NeuroPod
 * wants (so converge leaves it alone), and how an API refusal is classified. Kept apart from the
 * code that sends requests so they can be tested without a cluster.
 */

export type Owned = { metadata?: { ownerReferences?: { uid?: string }[] } }
type Labelled = { metadata?: { labels?: object } }

export function ownerUid(obj: Owned): string | undefined {
  return obj.metadata?.ownerReferences?.[0]?.uid
}

export function sameOwner(desired: Owned, current: Owned): boolean {
  return ownerUid(desired) === ownerUid(current)
}

export function sameLabels(desired: Labelled, current: Labelled): boolean {
  return canonical(desired.metadata?.labels ?? {}) === canonical(current.metadata?.labels ?? {})
}

export function sameIngress(desired: V1Ingress, current: V1Ingress): boolean {
  const annotations = current.metadata?.annotations ?? {}
  const wanted = desired.metadata?.annotations ?? {}
  // Only our annotations count (the controller may add its own), but a dropped auth-url must count.
  const ours = (a: Record<string, string>) =>
    Object.keys(a)
      .filter((k) => k.startsWith('nginx.ingress.kubernetes.io/') || k.startsWith('neuropod.io/'))
      .sort()
      .map((k) => `${k}=${a[k]}`)
      .join('\n')
  return (
    sameOwner(desired, current) &&
    sameLabels(desired, current) &&
    ours(wanted) === ours(annotations) &&
    canonical(plain(desired.spec)) === canonical(plain(current.spec))
  )
}

export function sameService(desired: V1Service, current: V1Service): boolean {
  const ports = (s: V1Service) =>
    JSON.stringify((s.spec?.ports ?? []).map((p) => [p.name, p.port, String(p.targetPort), p.protocol]))
  return (
    sameOwner(desired, current) &&
    sameLabels(desired, current) &&
    desired.spec?.type === current.spec?.type &&
    ports(desired) === ports(current) &&
    canonical(desired.spec?.selector) === canonical(current.spec?.selector)
  )
}

/** A replaced Service keeps its cluster IP and node ports (both are allocated by the cluster). */
export function keepAllocated(body: V1Service, current: V1Service): V1Service {
  const nodePorts = new Map((current.spec?.ports ?? []).map((p) => [p.port, p.nodePort]))
  return {
    ...body,
    spec: {
      ...body.spec,
      clusterIP: current.spec?.clusterIP,
      clusterIPs: current.spec?.clusterIPs,
      ports: body.spec?.ports?.map((p) => ({ ...p, nodePort: nodePorts.get(p.port) ?? p.nodePort })),
    },
  }
}

/** A 422 (Invalid) can never succeed by retrying; a quota refusal waits for room. */
export function rejectedOr(error: unknown): unknown {
  const e = kubeError(error, 'apply')
  if (e.code === 422) return new RuntimeRejectedError(e.message)
  if (e.code === 403 && /exceeded quota/i.test(e.message))
    return new RuntimeWaitError(`Waiting for room in the namespace quota: ${e.message}`)
  return e
}
