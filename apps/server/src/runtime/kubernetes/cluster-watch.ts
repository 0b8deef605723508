import type { V1Ingress, V1PersistentVolumeClaim, V1Secret } from '@kubernetes/client-node'
import { monotonicMs } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { PodObservation, RuntimeListener } from '../pod-runtime.js'
import { EventThrottle } from './event-throttle.js'
import { Informer, type ListResult } from './informer.js'
import { type KubeApiError, type KubeClients, kube, plain } from './kube-client.js'
import { CONTAINER_NAME, MANAGED_SELECTOR, objectNames, podIdFromName } from './names.js'
import { type KEvent, type KPod, type KService, observePod, type Plain, runtimeEventFrom } from './observe.js'

/**
 * The watch half of the Kubernetes adapter: six informers (pods, services, ingresses, volume
 * claims and secrets selected by the `app.kubernetes.io/managed-by=neuropod` label, and the
 * namespace's events) keep the cache every read and write consults, and turn what they see into
 * observations and lifecycle events for the listener. In steady state it sends no request per
 * pod: each watch costs one request per server timeout (about five minutes).
 *
 * The informers run on every replica (the cost is constant, and a replica that takes over the
 * lead has a warm cache); the listener decides what to act on.
 */

export type KIngress = Plain<V1Ingress>
export type KVolumeClaim = Plain<V1PersistentVolumeClaim>
export type KSecret = Plain<V1Secret>

export interface ClusterWatchOptions {
  clients: KubeClients
  namespace: string
  log: Logger
  /** Host shown for NodePort endpoints; null = the node's IP */
  tcpHost: string | null
  resyncSeconds: number
  /** Server-side watch timeout range in seconds (randomised per watch) */
  watchTimeoutSeconds?: [number, number]
  /** Called with each failed/exited observation, after the listener heard it */
  onFinished(podId: string, observation: PodObservation): void
}

const SYNC_WAIT_MS = 10_000

type Syncable = Pick<Informer<KPod>, 'waitForSync'>

export class ClusterWatch {
  readonly pods: Informer<KPod>
  readonly services: Informer<KService>
  readonly ingresses: Informer<KIngress>
  readonly volumes: Informer<KVolumeClaim>
  readonly secrets: Informer<KSecret>
  readonly events: Informer<KEvent>
  listener: RuntimeListener | null = null
  private readonly lastObservation = new Map<string, string>()
  /** Why the last image pull failed: the ImagePullBackOff that follows only says "Back-off" */
  private readonly lastPullError = new Map<string, string>()
  private readonly throttle = new EventThrottle()
  private readonly podWaiters = new Map<string, Set<() => void>>()
  private reachable: boolean | null = null

  constructor(private readonly o: ClusterWatchOptions) {
    const { core, networking } = o.clients
    const ns = o.namespace
    const [min, max] = o.watchTimeoutSeconds ?? [240, 360]
    const timeoutSeconds = () => Math.round(min + Math.random() * (max - min))
    const common = { watch: o.clients.watch, timeoutSeconds, log: o.log }
    const failed = (error: KubeApiError, attempt: number) => this.watchFailed(error, attempt)
    const connected = () => this.setReachable(true, null)
    const managed = { ...common, labelSelector: MANAGED_SELECTOR, resyncMs: null }
    this.pods = new Informer<KPod>({
      ...managed,
      kind: 'pods',
      path: `/api/v1/namespaces/${ns}/pods`,
      resyncMs: o.resyncSeconds * 1000,
      list: (sel) => listOf('list pods', () => core.listNamespacedPod({ namespace: ns, ...sel })),
      handlers: {
        added: (pod) => this.podChanged(pod, false),
        updated: (pod) => this.podChanged(pod, false),
        deleted: (pod) => this.podDeleted(pod),
        resync: (pod) => this.podChanged(pod, true),
        failed,
        listed: (initial) => this.relisted(initial),
        connected,
      },
    })
    this.services = new Informer<KService>({
      ...managed,
      kind: 'services',
      path: `/api/v1/namespaces/${ns}/services`,
      list: (sel) => listOf('list services', () => core.listNamespacedService({ namespace: ns, ...sel })),
      handlers: {
        added: (svc) => this.serviceChanged(svc),
        updated: (svc) => this.serviceChanged(svc),
        deleted: (svc) => this.serviceChanged(svc),
        failed,
        connected,
      },
    })
    this.ingresses = new Informer<KIngress>({
      ...managed,
      kind: 'ingresses',
      path: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
      list: (sel) =>
        listOf('list ingresses', () => networking.listNamespacedIngress({ namespace: ns, ...sel })),
      handlers: { failed, connected },
    })
    this.volumes = new Informer<KVolumeClaim>({
      ...managed,
      kind: 'persistentvolumeclaims',
      path: `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
      list: (sel) =>
        listOf('list persistentvolumeclaims', () =>
          core.listNamespacedPersistentVolumeClaim({ namespace: ns, ...sel }),
        ),
      handlers: { failed, connected },
    })
    this.secrets = new Informer<KSecret>({
      ...managed,
      kind: 'secrets',
      path: `/api/v1/namespaces/${ns}/secrets`,
      list: (sel) => listOf('list secrets', () => core.listNamespacedSecret({ namespace: ns, ...sel })),
      handlers: { failed, connected },
    })
    // Events carry no labels of their own; the namespace is NeuroPod's, and names are filtered.
    this.events = new Informer<KEvent>({
      ...common,
      kind: 'events',
      path: `/api/v1/namespaces/${ns}/events`,
      resyncMs: null,
      list: (sel) => listOf('list events', () => core.listNamespacedEvent({ namespace: ns, ...sel })),
      handlers: {
        added: (e) => this.kubeEvent(e),
        updated: (e) => this.kubeEvent(e),
        deleted: (e) => this.throttle.forget(e.metadata?.uid),
        failed,
        connected,
      },
    })
  }

  get informers() {
    return [this.pods, this.services, this.ingresses, this.volumes, this.secrets, this.events]
  }

  start(): void {
    for (const informer of this.informers) informer.start()
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()))
  }

  stats() {
    return {
      synced: this.informers.every((i) => i.synced),
      pods: this.pods.size,
      watches: this.informers.reduce((s, i) => s + i.stats.watches, 0),
      relists: this.informers.reduce((s, i) => s + i.stats.lists, 0),
      watchFailures: this.informers.reduce((s, i) => s + i.stats.failures, 0),
    }
  }

  /** What the platform observes of one pod, from the cache. */
  observe(podId: string): PodObservation {
    const names = objectNames(podId)
    return observePod(podId, this.pods.get(names.pod), this.services.get(names.tcpService), {
      tcpHost: this.o.tcpHost,
      lastPullError: this.lastPullError.get(podId) ?? null,
    })
  }

  /** Reports the pod's observation unless it is the same as the last one reported (or `force`). */
  emitObservation(podId: string, force: boolean): void {
    const observation = this.observe(podId)
    const key = JSON.stringify(observation)
    if (!force && this.lastObservation.get(podId) === key) return
    this.lastObservation.set(podId, key)
    this.listener?.observed(observation)
    if (observation.phase === 'failed' || observation.phase === 'exited')
      this.o.onFinished(podId, observation)
  }

  /** Resolves when `check` holds for the pod `name`, re-checked at each change of that pod. */
  waitForPod(name: string, check: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (check()) return resolve(true)
      const timer = setTimeout(() => finish(false), timeoutMs)
      const onAbort = () => finish(false)
      signal?.addEventListener('abort', onAbort, { once: true })
      const listen = () => {
        const set = this.podWaiters.get(name) ?? new Set()
        this.podWaiters.set(name, set)
        set.add(wake)
      }
      const wake = () => {
        if (check()) finish(true)
        else listen()
      }
      const finish = (value: boolean) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.podWaiters.get(name)?.delete(wake)
        resolve(value)
      }
      listen()
    })
  }

  /** Waits for the first list of each informer; throws when the API has not answered in time. */
  async synced(kinds: Syncable[] = this.informers): Promise<void> {
    const ok = await Promise.all(kinds.map((i) => i.waitForSync(SYNC_WAIT_MS)))
    if (!ok.every(Boolean))
      throw new Error('The Kubernetes API has not answered yet (watches not synced); retrying')
  }

  // ---------------------------------------------------------------- informer handlers

  private watchFailed(error: KubeApiError, attempt: number): void {
    this.o.log.warn({ err: error, attempt }, 'kubernetes watch failed; retrying')
    if (attempt >= 2 || error.code === 0) this.setReachable(false, error.message)
  }

  private relisted(initial: boolean): void {
    this.setReachable(true, null)
    // After a 410 or an outage the cache was rebuilt: let the reconciler compare everything.
    if (!initial) this.listener?.resync()
  }

  private setReachable(reachable: boolean, detail: string | null): void {
    if (this.reachable === reachable) return
    const before = this.reachable
    this.reachable = reachable
    if (before === null && reachable) return
    this.listener?.connectivity(reachable, detail)
  }

  private podChanged(pod: KPod, force: boolean): void {
    const podId = podIdFromName(pod.metadata?.name)
    if (!podId) return
    const waiting = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME)?.state?.waiting
    if (waiting?.reason === 'ErrImagePull' && waiting.message) this.lastPullError.set(podId, waiting.message)
    this.wakePodWaiters(pod.metadata?.name ?? '')
    this.emitObservation(podId, force)
  }

  private podDeleted(pod: KPod): void {
    this.wakePodWaiters(pod.metadata?.name ?? '')
    const podId = podIdFromName(pod.metadata?.name)
    if (!podId) return
    this.lastPullError.delete(podId)
    this.emitObservation(podId, false)
    this.lastObservation.delete(podId)
  }

  private serviceChanged(svc: KService): void {
    const name = svc.metadata?.name ?? ''
    const podId = podIdFromName(name)
    if (podId && name === objectNames(podId).tcpService && this.pods.get(objectNames(podId).pod))
      this.emitObservation(podId, false)
  }

  private kubeEvent(event: KEvent): void {
    const uid = event.metadata?.uid
    if (!uid) return
    const count = event.count ?? event.series?.count ?? 1
    const runtimeEvent = runtimeEventFrom(event)
    const decision = this.throttle.admit(uid, count, runtimeEvent, this.events.synced, monotonicMs())
    if (decision === 'ignore' || !runtimeEvent) return
    // The kubelet's "Failed to pull image …" says why (not found, denied); "Back-off pulling" does not.
    if (runtimeEvent.reason === 'Failed' && runtimeEvent.message.startsWith('Failed to pull image'))
      this.lastPullError.set(runtimeEvent.podId, runtimeEvent.message)
    if (decision === 'report') this.listener?.event(runtimeEvent)
  }

  private wakePodWaiters(name: string): void {
    const set = this.podWaiters.get(name)
    if (!set) return
    this.podWaiters.delete(name)
    for (const w of set) w()
  }
}

async function listOf<T>(
  action: string,
  call: () => Promise<{ items: unknown[]; metadata?: { resourceVersion?: string } }>,
): Promise<ListResult<T>> {
  const result = await kube(action, call)
  return { items: plain<T[]>(result.items), resourceVersion: result.metadata?.resourceVersion ?? '' }
}
