import { PassThrough } from 'node:stream'
import type {
  V1Ingress,
  V1NetworkPolicy,
  V1PersistentVolumeClaim,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node'
import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import {
  type GpuDeviceInfo,
  type GpuStock,
  type LogLineOut,
  type LogsResult,
  type OrphanReport,
  type PodObservation,
  type PodRuntime,
  type PodSpec,
  type RuntimeHealth,
  type RuntimeListener,
  RuntimeRejectedError,
  type RuntimeStats,
  RuntimeWaitError,
  unavailableStats,
} from '../pod-runtime.js'
import { Informer, type ListResult } from './informer.js'
import {
  canonical,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeApiError,
  type KubeClients,
  kube,
  kubeError,
  plain,
} from './kube-client.js'
import { LineSplitter, parseLogText } from './logs.js'
import {
  buildDependents,
  buildEnvSecret,
  buildIsolationPolicy,
  buildPlatformService,
  buildPod,
  buildVolumeClaim,
  type ManifestSettings,
  type OwnerPod,
} from './manifests.js'
import {
  COMPONENT_LABEL,
  CONTAINER_NAME,
  MANAGED_SELECTOR,
  objectNames,
  POD_ID_LABEL,
  podIdFromName,
  SHARED_COMPONENTS,
} from './names.js'
import {
  computeGpuStock,
  type KEvent,
  type KNode,
  type KPod,
  type KService,
  observePod,
  type Plain,
  runtimeEventFrom,
} from './observe.js'
import { parseCpu, parseCpuUsage, parseMemory } from './profiles.js'

/**
 * PodRuntime on a Kubernetes cluster.
 *
 * Watch, don't poll: six informers (pods, services, ingresses, volume claims and secrets selected by the
 * `app.kubernetes.io/managed-by=neuropod` label, and the namespace's events) keep a cache that
 * every read uses. In steady state the adapter sends no request per pod: each watch costs one
 * request per server timeout (about five minutes), whatever the number of pods. Mutations are
 * idempotent create-or-adopt sequences (409 means "already there", 404 on delete means "already
 * gone"), so the reconciler can repeat them after any failure or restart.
 *
 * The informers run on every replica (the cost is constant, and a replica that takes over the
 * lead has a warm cache); only the leading replica's reconciler acts on what they report, and
 * the adapter's own corrective action (removing a pod that can never start) runs only there.
 */

type KIngress = Plain<V1Ingress>
type KVolumeClaim = Plain<V1PersistentVolumeClaim>
type KSecret = Plain<V1Secret>
interface Managed {
  metadata?: {
    name?: string
    uid?: string
    labels?: Record<string, string>
    creationTimestamp?: string
    deletionTimestamp?: string
    ownerReferences?: { uid?: string }[]
  }
}

export interface KubernetesRuntimeOptions {
  clients: KubeClients
  manifests: ManifestSettings
  clock: Clock
  log: Logger
  /** Host shown for NodePort endpoints; null = the node's IP */
  tcpHost: string | null
  /** How the platform reaches pod ports: the Service's cluster DNS name, or the pod IP */
  probeVia: 'service' | 'pod-ip'
  clusterDomain: string
  networkPolicy: boolean
  resyncSeconds: number
  /** Server-side watch timeout range in seconds (randomised per watch) */
  watchTimeoutSeconds?: [number, number]
  /** Objects younger than this are never called orphans: their database row may be in flight */
  orphanMinAgeMs?: number
  /** How long ensureRunning waits for a previous incarnation of the pod to go away */
  terminationWaitMs?: number
}

const SYNC_WAIT_MS = 10_000
const STOCK_TTL_MS = 5_000
const EVENT_REPEAT_MS = 60_000
const REOBSERVE_MS = 1_000

/** How converge() reads and writes one kind of object. */
interface ConvergeApi<T> {
  kind: string
  same(desired: T, current: T): boolean
  create(body: T): Promise<T>
  read(name: string): Promise<T>
  replace(name: string, body: T, current: T): Promise<T>
}

export class KubernetesRuntime implements PodRuntime {
  readonly kind = 'kubernetes' as const
  readonly simulated = false
  readonly persistent = true
  private listener: RuntimeListener | null = null
  private readonly ns: string
  private readonly pods: Informer<KPod>
  private readonly services: Informer<KService>
  private readonly ingresses: Informer<KIngress>
  private readonly volumes: Informer<KVolumeClaim>
  private readonly secrets: Informer<KSecret>
  private readonly events: Informer<KEvent>
  private readonly lastObservation = new Map<string, string>()
  private readonly lastPullError = new Map<string, string>()
  private readonly seenEvents = new Map<string, number>()
  private readonly lastEventAt = new Map<string, number>()
  private readonly goneWaiters = new Map<string, Set<() => void>>()
  private readonly changeWaiters = new Map<string, Set<() => void>>()
  private readonly removing = new Set<string>()
  private readonly streams = new Set<AbortController>()
  private reachable: boolean | null = null
  private stock: { at: number; value: Promise<GpuStock[] | null> } | null = null
  private stockWarned = false
  private started = false

  constructor(private readonly o: KubernetesRuntimeOptions) {
    this.ns = o.manifests.namespace
    const { core, networking } = o.clients
    const ns = this.ns
    const [min, max] = o.watchTimeoutSeconds ?? [240, 360]
    const timeoutSeconds = () => Math.round(min + Math.random() * (max - min))
    const common = { watch: o.clients.watch, timeoutSeconds, log: o.log }
    const failed = (error: KubeApiError, attempt: number) => this.watchFailed(error, attempt)
    const listed = (initial: boolean) => this.relisted(initial)
    const connected = () => this.setReachable(true, null)
    this.pods = new Informer<KPod>({
      ...common,
      kind: 'pods',
      path: `/api/v1/namespaces/${ns}/pods`,
      labelSelector: MANAGED_SELECTOR,
      resyncMs: o.resyncSeconds * 1000,
      list: (sel) => listOf('list pods', () => core.listNamespacedPod({ namespace: ns, ...sel })),
      handlers: {
        added: (pod) => this.podChanged(pod, false),
        updated: (pod) => this.podChanged(pod, false),
        deleted: (pod) => this.podDeleted(pod),
        resync: (pod) => this.podChanged(pod, true),
        failed,
        listed,
        connected,
      },
    })
    this.services = new Informer<KService>({
      ...common,
      kind: 'services',
      path: `/api/v1/namespaces/${ns}/services`,
      labelSelector: MANAGED_SELECTOR,
      resyncMs: null,
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
      ...common,
      kind: 'ingresses',
      path: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
      labelSelector: MANAGED_SELECTOR,
      resyncMs: null,
      list: (sel) =>
        listOf('list ingresses', () => networking.listNamespacedIngress({ namespace: ns, ...sel })),
      handlers: { failed, connected },
    })
    this.volumes = new Informer<KVolumeClaim>({
      ...common,
      kind: 'persistentvolumeclaims',
      path: `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
      labelSelector: MANAGED_SELECTOR,
      resyncMs: null,
      list: (sel) =>
        listOf('list persistentvolumeclaims', () =>
          core.listNamespacedPersistentVolumeClaim({ namespace: ns, ...sel }),
        ),
      handlers: { failed, connected },
    })
    this.secrets = new Informer<KSecret>({
      ...common,
      kind: 'secrets',
      path: `/api/v1/namespaces/${ns}/secrets`,
      labelSelector: MANAGED_SELECTOR,
      resyncMs: null,
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
        deleted: (e) => {
          if (e.metadata?.uid) this.seenEvents.delete(e.metadata.uid)
        },
        failed,
        connected,
      },
    })
  }

  private get informers() {
    return [this.pods, this.services, this.ingresses, this.volumes, this.secrets, this.events]
  }

  // ---------------------------------------------------------------- lifecycle

  async start(listener: RuntimeListener): Promise<void> {
    this.listener = listener
    if (this.started) return
    this.started = true
    for (const informer of this.informers) informer.start()
    void this.ensurePlatformService().catch((error) =>
      this.o.log.warn(
        { err: kubeError(error, 'apply Service') },
        'could not apply the neuropod-platform Service; signing in to private pod URLs fails until it exists',
      ),
    )
    if (this.o.networkPolicy)
      void this.ensureIsolationPolicy().catch((error) =>
        this.o.log.warn(
          { err: kubeError(error, 'apply NetworkPolicy') },
          'could not apply the pods NetworkPolicy; pods are not isolated',
        ),
      )
  }

  async close(): Promise<void> {
    for (const c of this.streams) c.abort()
    this.streams.clear()
    await Promise.all(this.informers.map((i) => i.stop()))
    this.started = false
    this.listener = null
  }

  async health(): Promise<RuntimeHealth> {
    const details = {
      namespace: this.ns,
      synced: this.informers.every((i) => i.synced),
      pods: this.pods.size,
      watches: this.informers.reduce((s, i) => s + i.stats.watches, 0),
      relists: this.informers.reduce((s, i) => s + i.stats.lists, 0),
      watchFailures: this.informers.reduce((s, i) => s + i.stats.failures, 0),
      apiRequests: this.o.clients.requestCount(),
    }
    try {
      const version = await kube('get version', () => this.o.clients.version.getCode())
      return { reachable: true, version: version.gitVersion, error: null, details }
    } catch (error) {
      return { reachable: false, version: null, error: kubeError(error, 'get version').message, details }
    }
  }

  // ---------------------------------------------------------------- watch handlers

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
    // ErrImagePull says why the pull failed; the ImagePullBackOff that follows only says "Back-off".
    const waiting = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME)?.state?.waiting
    if (waiting?.reason === 'ErrImagePull' && waiting.message) this.lastPullError.set(podId, waiting.message)
    this.notify(this.changeWaiters, pod.metadata?.name ?? '')
    this.emitObservation(podId, force)
  }

  private podDeleted(pod: KPod): void {
    const name = pod.metadata?.name ?? ''
    this.notify(this.goneWaiters, name)
    this.notify(this.changeWaiters, name)
    const podId = podIdFromName(name)
    if (!podId) return
    this.removing.delete(podId)
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

  private observe(podId: string): PodObservation {
    const names = objectNames(podId)
    return observePod(podId, this.pods.get(names.pod), this.services.get(names.tcpService), {
      tcpHost: this.o.tcpHost,
      lastPullError: this.lastPullError.get(podId) ?? null,
    })
  }

  private emitObservation(podId: string, force: boolean): void {
    const observation = this.observe(podId)
    const key = JSON.stringify(observation)
    if (!force && this.lastObservation.get(podId) === key) return
    this.lastObservation.set(podId, key)
    this.listener?.observed(observation)
    this.removeIfStuck(podId, observation)
  }

  /**
   * A container that can never start (image pull failed, bad configuration) or crash-loops keeps
   * its Pod scheduled, holding a GPU the platform no longer bills for. The leading replica removes
   * that Pod once it has reported the failure; the volume stays. Pods that ended on their own
   * (phase Failed/Succeeded) hold nothing and are kept, so their logs stay readable.
   */
  private removeIfStuck(podId: string, observation: PodObservation): void {
    if (observation.phase !== 'failed' && observation.phase !== 'exited') return
    const pod = this.pods.get(objectNames(podId).pod)
    const phase = pod?.status?.phase
    if (!pod || phase === 'Failed' || phase === 'Succeeded') return
    if (this.listener?.isActive === false || this.removing.has(podId)) return
    this.removing.add(podId)
    this.o.log.info(
      { podId, reason: observation.reason },
      'removing a pod that cannot run; its volume is kept',
    )
    void this.deletePod(objectNames(podId).pod, 0).catch((error) => {
      this.removing.delete(podId)
      this.o.log.warn({ err: error, podId }, 'removing a failed pod failed; the next resync retries')
    })
  }

  private kubeEvent(event: KEvent): void {
    const uid = event.metadata?.uid
    if (!uid) return
    const count = event.count ?? event.series?.count ?? 1
    const seen = this.seenEvents.get(uid)
    this.seenEvents.set(uid, count)
    // The first list holds history from before this process started: only remember it.
    if (!this.events.synced) return
    if (seen !== undefined && seen >= count) return
    const runtimeEvent = runtimeEventFrom(event)
    if (!runtimeEvent) return
    // The kubelet's "Failed to pull image …" says why (not found, denied); "Back-off pulling" does not.
    if (runtimeEvent.reason === 'Failed' && runtimeEvent.message.startsWith('Failed to pull image'))
      this.lastPullError.set(runtimeEvent.podId, runtimeEvent.message)
    // Repeating events (BackOff every few seconds) are reported at most once a minute each.
    const key = `${runtimeEvent.podId}/${runtimeEvent.reason}`
    const now = Date.now()
    const last = this.lastEventAt.get(key)
    if (seen !== undefined && last !== undefined && now - last < EVENT_REPEAT_MS) return
    this.lastEventAt.set(key, now)
    if (this.lastEventAt.size > 10_000) this.lastEventAt.clear()
    this.listener?.event(runtimeEvent)
  }

  private notify(waiters: Map<string, Set<() => void>>, name: string): void {
    const set = waiters.get(name)
    if (!set) return
    waiters.delete(name)
    for (const w of set) w()
  }

  /** Resolves when `check` holds for the pod `name`, re-checked at each change of that pod. */
  private waitForPod(name: string, check: () => boolean, timeoutMs: number, signal?: AbortSignal) {
    return new Promise<boolean>((resolve) => {
      if (check()) return resolve(true)
      const timer = setTimeout(() => finish(false), timeoutMs)
      const onAbort = () => finish(false)
      signal?.addEventListener('abort', onAbort, { once: true })
      const listen = () => {
        for (const map of [this.goneWaiters, this.changeWaiters]) {
          const set = map.get(name) ?? new Set()
          map.set(name, set)
          set.add(wake)
        }
      }
      const wake = () => {
        if (check()) finish(true)
        else listen()
      }
      const finish = (value: boolean) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        for (const map of [this.goneWaiters, this.changeWaiters]) map.get(name)?.delete(wake)
        resolve(value)
      }
      listen()
    })
  }

  private async synced(kinds = this.informers): Promise<void> {
    const ok = await Promise.all(kinds.map((i) => i.waitForSync(SYNC_WAIT_MS)))
    if (!ok.every(Boolean))
      throw new Error('The Kubernetes API has not answered yet (watches not synced); retrying')
  }

  // ---------------------------------------------------------------- mutations

  async ensureRunning(spec: PodSpec): Promise<void> {
    await this.synced([this.pods, this.services, this.ingresses, this.volumes])
    const names = objectNames(spec.podId)
    await this.ensureVolume(spec)

    let pod = this.pods.get(names.pod)
    if (pod && !pod.metadata?.deletionTimestamp && isFinished(this.observe(spec.podId))) {
      // A previous run ended (exit, failed pull): it holds the name, so it goes first.
      await this.deletePod(names.pod, 0)
      pod = this.pods.get(names.pod)
    }
    if (pod) {
      if (pod.metadata?.deletionTimestamp || isFinished(this.observe(spec.podId))) {
        this.listener?.event({
          podId: spec.podId,
          type: 'normal',
          reason: 'Waiting',
          message: 'Waiting for the previous container to stop',
          progress: 5,
        })
        const gone = await this.waitForPod(
          names.pod,
          () => !this.pods.get(names.pod),
          this.o.terminationWaitMs ?? 120_000,
        )
        if (!gone) throw new Error('The previous container of this pod is still stopping; retrying')
        pod = undefined
      }
    }

    let owner: OwnerPod
    if (pod) {
      owner = { name: names.pod, uid: pod.metadata!.uid! }
      await this.checkSecret(spec, owner)
    } else {
      const secret = await this.applySecret(spec, null)
      owner = await this.createPod(spec)
      await this.adoptSecret(spec, secret, owner)
    }
    await this.ensureDependents(spec, owner)
    this.reobserveSoon(spec.podId)
  }

  /**
   * What the cluster said while ensureRunning ran (e.g. "Unschedulable", within milliseconds of
   * the create) reached the reconciler before it recorded that the runtime accepted the pod, and
   * that record may have overwritten it. Saying it again shortly after costs no request.
   */
  private reobserveSoon(podId: string): void {
    const timer = setTimeout(() => {
      if (this.started && this.pods.get(objectNames(podId).pod)) this.emitObservation(podId, true)
    }, REOBSERVE_MS)
    timer.unref()
  }

  private async ensureVolume(spec: PodSpec): Promise<void> {
    const name = objectNames(spec.podId).volume
    const existing = this.volumes.get(name)
    if (existing?.metadata?.deletionTimestamp)
      throw new Error('The volume of this pod is being deleted; retrying')
    if (existing) return
    try {
      await kube(`create PersistentVolumeClaim ${name}`, () =>
        this.o.clients.core.createNamespacedPersistentVolumeClaim({
          namespace: this.ns,
          body: buildVolumeClaim(spec, this.o.manifests),
        }),
      )
    } catch (error) {
      if (!isAlreadyExists(error)) throw rejectedOr(error)
    }
  }

  private async createPod(spec: PodSpec): Promise<OwnerPod> {
    const name = objectNames(spec.podId).pod
    try {
      const created = await kube(`create Pod ${name}`, () =>
        this.o.clients.core.createNamespacedPod({
          namespace: this.ns,
          body: buildPod(spec, this.o.manifests),
        }),
      )
      return { name, uid: created.metadata!.uid! }
    } catch (error) {
      if (!isAlreadyExists(error)) throw rejectedOr(error)
      // Created by an earlier attempt whose answer was lost: adopt it if it is alive.
      const existing = await kube(`read Pod ${name}`, () =>
        this.o.clients.core.readNamespacedPod({ name, namespace: this.ns }),
      )
      if (existing.metadata?.deletionTimestamp)
        throw new Error('The previous container of this pod is still stopping; retrying')
      return { name, uid: existing.metadata!.uid! }
    }
  }

  /** Creates or replaces the environment Secret; returns it as stored. */
  private async applySecret(spec: PodSpec, owner: OwnerPod | null): Promise<V1Secret> {
    const body = buildEnvSecret(spec, this.o.manifests, owner)
    const name = body.metadata!.name!
    const { core } = this.o.clients
    for (let attempt = 0; ; attempt++) {
      try {
        return await kube(`create Secret ${name}`, () =>
          core.createNamespacedSecret({ namespace: this.ns, body }),
        )
      } catch (error) {
        if (!isAlreadyExists(error)) throw rejectedOr(error)
      }
      try {
        const current = await kube(`read Secret ${name}`, () =>
          core.readNamespacedSecret({ name, namespace: this.ns }),
        )
        return await this.replaceSecret(body, current.metadata?.resourceVersion)
      } catch (error) {
        if (attempt >= 3 || !(isNotFound(error) || isConflict(error))) throw error
      }
    }
  }

  /** The pod exists already (a repeated or interrupted start): fix its Secret only if it drifted. */
  private async checkSecret(spec: PodSpec, owner: OwnerPod): Promise<void> {
    const name = objectNames(spec.podId).env
    const data = Object.fromEntries(
      Object.entries(spec.env).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    )
    const cached = this.secrets.get(name)
    if (cached && ownerUid(cached) === owner.uid && canonical(cached.data ?? {}) === canonical(data)) return
    let current: V1Secret
    try {
      current = await kube(`read Secret ${name}`, () =>
        this.o.clients.core.readNamespacedSecret({ name, namespace: this.ns }),
      )
    } catch (error) {
      if (!isNotFound(error)) throw error
      await this.applySecret(spec, owner)
      return
    }
    if (ownerUid(current) === owner.uid && canonical(current.data ?? {}) === canonical(data)) return
    await this.adoptSecret(spec, current, owner)
  }

  private async adoptSecret(spec: PodSpec, stored: V1Secret, owner: OwnerPod): Promise<void> {
    const body = buildEnvSecret(spec, this.o.manifests, owner)
    try {
      await this.replaceSecret(body, stored.metadata?.resourceVersion)
    } catch (error) {
      if (!isConflict(error) && !isNotFound(error)) throw error
      await this.applySecret(spec, owner)
    }
  }

  private replaceSecret(body: V1Secret, resourceVersion: string | undefined): Promise<V1Secret> {
    const name = body.metadata!.name!
    return kube(`replace Secret ${name}`, () =>
      this.o.clients.core.replaceNamespacedSecret({
        name,
        namespace: this.ns,
        body: { ...body, metadata: { ...body.metadata, resourceVersion } },
      }),
    )
  }

  /** Services, Ingresses and the TCP NetworkPolicy: created when missing, replaced when they drifted. */
  private async ensureDependents(spec: PodSpec, owner: OwnerPod): Promise<void> {
    const desired = buildDependents(spec, this.o.manifests, owner)
    const { core, networking } = this.o.clients
    const ns = this.ns
    await Promise.all([
      ...desired.services.map((svc) =>
        this.converge<V1Service>(svc, this.services.get(svc.metadata!.name!), {
          kind: 'Service',
          same: sameService,
          create: (body) => core.createNamespacedService({ namespace: ns, body }),
          read: (name) => core.readNamespacedService({ name, namespace: ns }),
          replace: (name, body, current) =>
            core.replaceNamespacedService({ name, namespace: ns, body: keepAllocated(body, current) }),
        }),
      ),
      ...desired.ingresses.map((ing) =>
        this.converge<V1Ingress>(ing, this.ingresses.get(ing.metadata!.name!), {
          kind: 'Ingress',
          same: sameIngress,
          create: (body) => networking.createNamespacedIngress({ namespace: ns, body }),
          read: (name) => networking.readNamespacedIngress({ name, namespace: ns }),
          replace: (name, body) => networking.replaceNamespacedIngress({ name, namespace: ns, body }),
        }),
      ),
      ...desired.policies.map((pol) =>
        this.converge<V1NetworkPolicy>(pol, undefined, {
          kind: 'NetworkPolicy',
          same: (a, b) => sameOwner(a, b) && canonical(plain(a.spec)) === canonical(plain(b.spec)),
          create: (body) => networking.createNamespacedNetworkPolicy({ namespace: ns, body }),
          read: (name) => networking.readNamespacedNetworkPolicy({ name, namespace: ns }),
          replace: (name, body) => networking.replaceNamespacedNetworkPolicy({ name, namespace: ns, body }),
        }),
      ),
    ])
    // Ingresses of ports the pod no longer has.
    const ports = new Set(spec.httpPorts.map((p) => objectNames(spec.podId).ingress(p)))
    await Promise.all(
      this.ingresses
        .list()
        .filter(
          (i) => i.metadata?.labels?.[POD_ID_LABEL] === spec.podId && !ports.has(i.metadata?.name ?? ''),
        )
        .map((i) => this.deleteIngress(i.metadata!.name!)),
    )
  }

  /**
   * Brings one object to its desired form: create when missing; replace (with the current
   * resourceVersion) when the cached copy differs or belongs to an earlier incarnation of the pod.
   * The cache may lag behind the API, so 409 and 404 answers loop once more with a fresh read.
   */
  private async converge<T extends { metadata?: { name?: string; resourceVersion?: string } }>(
    desired: T,
    cached: unknown,
    api: ConvergeApi<T>,
  ): Promise<void> {
    const name = desired.metadata!.name!
    let current = cached as T | undefined
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        if (!current) {
          await kube(`create ${api.kind} ${name}`, () => api.create(desired))
          return
        }
        if (api.same(desired, current)) return
        const base = current
        const body = {
          ...desired,
          metadata: { ...desired.metadata, resourceVersion: base.metadata?.resourceVersion },
        }
        await kube(`replace ${api.kind} ${name}`, () => api.replace(name, body, base))
        return
      } catch (error) {
        if (isAlreadyExists(error) || isConflict(error)) {
          current = plain<T>(await kube(`read ${api.kind} ${name}`, () => api.read(name)))
        } else if (isNotFound(error)) {
          current = undefined
        } else throw rejectedOr(error)
      }
    }
    throw new Error(`${api.kind} ${name} keeps changing under us; retrying`)
  }

  async updateAccess(spec: PodSpec): Promise<void> {
    if (!this.pods.synced || !this.ingresses.synced) return
    const pod = this.pods.get(objectNames(spec.podId).pod)
    if (!pod?.metadata?.uid || pod.metadata.deletionTimestamp) return
    const owner = { name: pod.metadata.name!, uid: pod.metadata.uid }
    const desired = buildDependents(spec, this.o.manifests, owner).ingresses
    if (desired.every((ing) => this.ingressUpToDate(ing))) return
    await this.ensureDependents(spec, owner)
  }

  private ingressUpToDate(desired: V1Ingress): boolean {
    const cached = this.ingresses.get(desired.metadata!.name!)
    return cached !== undefined && sameIngress(desired, cached as V1Ingress)
  }

  async ensureStopped(podId: string): Promise<void> {
    const names = objectNames(podId)
    // The Pod's Services, Ingresses and NetworkPolicy follow it (owner references); the Secret
    // goes explicitly too in case an interrupted start never gave it its owner.
    await Promise.all([this.deletePod(names.pod, null), this.deleteSecret(names.env)])
  }

  async ensureDeleted(podId: string): Promise<void> {
    const names = objectNames(podId)
    const { core, networking } = this.o.clients
    const ns = this.ns
    const ingressNames = new Set(
      this.ingresses
        .list()
        .filter((i) => i.metadata?.labels?.[POD_ID_LABEL] === podId)
        .map((i) => i.metadata!.name!),
    )
    await Promise.all([
      this.deletePod(names.pod, null),
      this.deleteSecret(names.env),
      ...[names.service, names.tcpService].map((name) =>
        deleteIgnoringMissing(`delete Service ${name}`, () =>
          core.deleteNamespacedService({ name, namespace: ns }),
        ),
      ),
      ...[...ingressNames].map((name) => this.deleteIngress(name)),
      deleteIgnoringMissing(`delete NetworkPolicy ${names.tcpPolicy}`, () =>
        networking.deleteNamespacedNetworkPolicy({ name: names.tcpPolicy, namespace: ns }),
      ),
    ])
    await deleteIgnoringMissing(`delete PersistentVolumeClaim ${names.volume}`, () =>
      core.deleteNamespacedPersistentVolumeClaim({ name: names.volume, namespace: ns }),
    )
  }

  private deletePod(name: string, gracePeriodSeconds: number | null): Promise<void> {
    return deleteIgnoringMissing(`delete Pod ${name}`, () =>
      this.o.clients.core.deleteNamespacedPod({
        name,
        namespace: this.ns,
        propagationPolicy: 'Background',
        ...(gracePeriodSeconds !== null ? { gracePeriodSeconds } : {}),
      }),
    )
  }

  private deleteSecret(name: string): Promise<void> {
    return deleteIgnoringMissing(`delete Secret ${name}`, () =>
      this.o.clients.core.deleteNamespacedSecret({ name, namespace: this.ns }),
    )
  }

  private deleteIngress(name: string): Promise<void> {
    return deleteIgnoringMissing(`delete Ingress ${name}`, () =>
      this.o.clients.networking.deleteNamespacedIngress({ name, namespace: this.ns }),
    )
  }

  /** Namespace-wide objects are created at start and converged like a pod's objects. */
  private async ensurePlatformService(): Promise<void> {
    const { core } = this.o.clients
    const ns = this.ns
    await this.ensureShared<V1Service>(buildPlatformService(this.o.manifests), {
      kind: 'Service',
      same: (a, b) =>
        a.spec?.externalName === b.spec?.externalName &&
        canonical(plain(a.spec?.ports?.map((p) => p.port))) ===
          canonical(plain(b.spec?.ports?.map((p) => p.port))),
      create: (body) => core.createNamespacedService({ namespace: ns, body }),
      read: (name) => core.readNamespacedService({ name, namespace: ns }),
      replace: (name, body) => core.replaceNamespacedService({ name, namespace: ns, body }),
    })
  }

  private async ensureIsolationPolicy(): Promise<void> {
    const { networking } = this.o.clients
    const ns = this.ns
    await this.ensureShared<V1NetworkPolicy>(buildIsolationPolicy(this.o.manifests), {
      kind: 'NetworkPolicy',
      same: (a, b) => canonical(plain(a.spec)) === canonical(plain(b.spec)),
      create: (body) => networking.createNamespacedNetworkPolicy({ namespace: ns, body }),
      read: (name) => networking.readNamespacedNetworkPolicy({ name, namespace: ns }),
      replace: (name, body) => networking.replaceNamespacedNetworkPolicy({ name, namespace: ns, body }),
    })
  }

  /** No informer watches these objects, so read the current one first, then converge to it. */
  private async ensureShared<T extends { metadata?: { name?: string; resourceVersion?: string } }>(
    desired: T,
    api: ConvergeApi<T>,
  ): Promise<void> {
    const name = desired.metadata!.name!
    let current: T | undefined
    try {
      current = await kube(`read ${api.kind} ${name}`, () => api.read(name))
    } catch (error) {
      if (!isNotFound(error)) throw error
    }
    await this.converge<T>(desired, current, api)
  }

  // ---------------------------------------------------------------- reads

  async list(): Promise<PodObservation[]> {
    await this.synced([this.pods, this.services])
    const out: PodObservation[] = []
    for (const pod of this.pods.list()) {
      const podId = podIdFromName(pod.metadata?.name)
      if (!podId) continue
      const observation = this.observe(podId)
      if (observation.phase !== 'absent') out.push(observation)
    }
    return out
  }

  async endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    const names = objectNames(podId)
    if (this.o.probeVia === 'pod-ip') {
      const pod = this.pods.get(names.pod)
      const ip = pod?.status?.podIP
      return ip && !pod.metadata?.deletionTimestamp ? { host: ip, port } : null
    }
    const service = this.services.get(names.service)
    if (!service?.spec?.ports?.some((p) => p.port === port)) return null
    return { host: `${names.service}.${this.ns}.svc.${this.o.clusterDomain}`, port }
  }

  async logs(podId: string, tail: number): Promise<LogsResult> {
    const name = objectNames(podId).pod
    if (!this.pods.get(name) && this.pods.synced)
      return { available: false, reason: 'The pod has no container on the cluster', lines: [] }
    try {
      const text = await kube(`read logs of Pod ${name}`, () =>
        this.o.clients.core.readNamespacedPodLog({
          name,
          namespace: this.ns,
          container: CONTAINER_NAME,
          tailLines: tail,
          timestamps: true,
        }),
      )
      return { available: true, reason: null, lines: parseLogText(text) }
    } catch (error) {
      const e = kubeError(error, 'read logs')
      if (e.code === 400 || e.code === 404) return { available: false, reason: logReason(e), lines: [] }
      throw e
    }
  }

  async followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void> {
    const name = objectNames(podId).pod
    // Opened while the pod is still starting: wait for its container, like `kubectl logs -f` users do.
    const started = () => {
      const pod = this.pods.get(name)
      const state = pod?.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME)?.state
      return !pod || Boolean(state?.running || state?.terminated)
    }
    await this.waitForPod(name, started, 24 * 3600_000, signal)
    if (signal.aborted) return
    if (!this.pods.get(name)) throw new Error('The pod has no container on the cluster')
    const sink = new PassThrough()
    const splitter = new LineSplitter()
    const ended = new Promise<void>((resolve) => {
      sink.on('data', (chunk: Buffer) => {
        const lines = splitter.push(chunk.toString('utf8'))
        if (lines.length > 0) onLines(lines)
      })
      sink.on('end', resolve)
      sink.on('close', resolve)
      sink.on('error', resolve)
    })
    let controller: AbortController
    try {
      controller = await this.o.clients.log.log(this.ns, name, CONTAINER_NAME, sink, {
        follow: true,
        tailLines: tail,
        timestamps: true,
      })
    } catch (error) {
      throw new Error(logReason(kubeError(error, 'follow logs')))
    }
    this.streams.add(controller)
    const abort = () => {
      controller.abort()
      sink.end()
    }
    signal.addEventListener('abort', abort, { once: true })
    await ended
    signal.removeEventListener('abort', abort)
    this.streams.delete(controller)
    const rest = splitter.flush()
    if (rest.length > 0) onLines(rest)
  }

  async stats(podId: string): Promise<RuntimeStats> {
    const name = objectNames(podId).pod
    const pod = this.pods.get(name)
    const container = pod?.spec?.containers?.find((c) => c.name === CONTAINER_NAME)
    if (!pod || this.observe(podId).phase !== 'running')
      return unavailableStats('The container is not running')
    const cpuLimit = parseCpu(String(container?.resources?.limits?.cpu ?? ''))
    const memoryLimit = parseMemory(String(container?.resources?.limits?.memory ?? ''))
    let metrics: { containers?: { name?: string; usage?: { cpu?: string; memory?: string } }[] }
    try {
      metrics = (await kube(`read metrics of Pod ${name}`, () =>
        this.o.clients.custom.getNamespacedCustomObject({
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          namespace: this.ns,
          plural: 'pods',
          name,
        }),
      )) as typeof metrics
    } catch (error) {
      const e = kubeError(error, 'read metrics')
      if (e.code === 404 && e.reason === 'NotFound')
        return unavailableStats('No usage sample yet (metrics-server samples every 15 to 60 seconds)')
      if (e.code === 404 || e.code === 503)
        return unavailableStats(
          'The cluster has no metrics API (install metrics-server for CPU and memory usage)',
        )
      return unavailableStats(`Usage metrics are unavailable: ${e.message}`)
    }
    const usage = metrics.containers?.find((c) => c.name === CONTAINER_NAME)?.usage
    const cpu = usage?.cpu ? parseCpuUsage(usage.cpu) : null
    const memory = usage?.memory ? parseMemory(usage.memory) : null
    return {
      available: true,
      reason: null,
      cpuUsage: cpu !== null && cpuLimit ? Math.round((cpu / cpuLimit) * 1000) / 10 : null,
      memoryUsedBytes: memory,
      memoryLimitBytes: memoryLimit,
      // metrics.k8s.io has no GPU figures (those come from DCGM, which this adapter does not read).
      gpuUsage: null,
      gpuMemoryUsage: null,
    }
  }

  async gpuDevices(): Promise<GpuDeviceInfo[] | null> {
    return null // the scheduler places GPUs
  }

  /** Node allocatable minus requests; computed on demand and shared for a few seconds. */
  async gpuStock(): Promise<GpuStock[] | null> {
    const now = Date.now()
    if (this.stock && now - this.stock.at < STOCK_TTL_MS) return this.stock.value
    const value = this.readGpuStock()
    this.stock = { at: now, value }
    return value
  }

  private async readGpuStock(): Promise<GpuStock[] | null> {
    const { core } = this.o.clients
    try {
      const [nodes, pods] = await Promise.all([
        kube('list nodes', () => core.listNode({})),
        kube('list pods of all namespaces', () =>
          core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
        ),
      ])
      return computeGpuStock(
        plain<KNode[]>(nodes.items),
        plain<KPod[]>(pods.items),
        this.o.manifests.profiles,
      )
    } catch (error) {
      this.stock = null
      if (!this.stockWarned) {
        this.stockWarned = true
        this.o.log.warn(
          { err: kubeError(error, 'read GPU stock') },
          'GPU stock unavailable (the ClusterRole for nodes and pods may be missing)',
        )
      }
      return null
    }
  }

  async orphans(known: Set<string>, remove: boolean): Promise<OrphanReport[]> {
    await this.synced()
    const minAge = this.o.orphanMinAgeMs ?? 60_000
    const now = this.o.clock.now().getTime()
    const candidates: [string, Managed][] = [
      ...this.pods.list().map((o) => ['Pod', o] as [string, Managed]),
      ...this.volumes.list().map((o) => ['PersistentVolumeClaim', o] as [string, Managed]),
      ...this.services.list().map((o) => ['Service', o] as [string, Managed]),
      ...this.ingresses.list().map((o) => ['Ingress', o] as [string, Managed]),
      ...this.secrets.list().map((o) => ['Secret', o] as [string, Managed]),
    ]
    const reports: OrphanReport[] = []
    const podIds = new Set<string>()
    for (const [kind, obj] of candidates) {
      const meta = obj.metadata ?? {}
      const podId = meta.labels?.[POD_ID_LABEL] ?? podIdFromName(meta.name)
      if (podId && known.has(podId)) continue
      if (SHARED_COMPONENTS.has(meta.labels?.[COMPONENT_LABEL] ?? '')) continue
      const created = meta.creationTimestamp ? new Date(meta.creationTimestamp).getTime() : 0
      if (now - created < minAge) continue
      reports.push({ kind, name: meta.name ?? '', podId: podId ?? null, removed: false })
      if (podId && /^[a-f0-9]{16}$/.test(podId)) podIds.add(podId)
    }
    if (remove) {
      const failedIds = new Set<string>()
      await Promise.all(
        [...podIds].map((id) =>
          this.ensureDeleted(id).catch((error) => {
            failedIds.add(id)
            this.o.log.warn({ err: error, podId: id }, 'removing orphaned objects failed')
          }),
        ),
      )
      for (const r of reports) r.removed = r.podId !== null && podIds.has(r.podId) && !failedIds.has(r.podId)
    }
    return reports
  }
}

// ---------------------------------------------------------------- helpers

async function listOf<T>(
  action: string,
  call: () => Promise<{ items: unknown[]; metadata?: { resourceVersion?: string } }>,
): Promise<ListResult<T>> {
  const result = await kube(action, call)
  return { items: plain<T[]>(result.items), resourceVersion: result.metadata?.resourceVersion ?? '' }
}

async function deleteIgnoringMissing(action: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await kube(action, call)
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
}

/** A 422 (Invalid) can never succeed by retrying; a quota refusal waits for room. */
function rejectedOr(error: unknown): unknown {
  const e = kubeError(error, 'apply')
  if (e.code === 422) return new RuntimeRejectedError(e.message)
  if (e.code === 403 && /exceeded quota/i.test(e.message))
    return new RuntimeWaitError(`Waiting for room in the namespace quota: ${e.message}`)
  return e
}

function isFinished(o: PodObservation): boolean {
  return o.phase === 'exited' || o.phase === 'failed'
}

function logReason(e: KubeApiError): string {
  if (e.code === 404) return 'The pod has no container on the cluster'
  const m = /is waiting to start: (.*?)(?: \(HTTP \d+\))?$/.exec(e.message)
  return m ? `The container has not started yet (${m[1]})` : e.message
}

function ownerUid(obj: { metadata?: { ownerReferences?: { uid?: string }[] } }): string | undefined {
  return obj.metadata?.ownerReferences?.[0]?.uid
}

function sameOwner(
  desired: { metadata?: { ownerReferences?: { uid?: string }[] } },
  current: { metadata?: { ownerReferences?: { uid?: string }[] } },
): boolean {
  return ownerUid(desired) === ownerUid(current)
}

function sameLabels(
  desired: { metadata?: { labels?: object } },
  current: { metadata?: { labels?: object } },
) {
  return canonical(desired.metadata?.labels ?? {}) === canonical(current.metadata?.labels ?? {})
}

function sameIngress(desired: V1Ingress, current: V1Ingress): boolean {
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

function sameService(desired: V1Service, current: V1Service): boolean {
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
function keepAllocated(body: V1Service, current: V1Service): V1Service {
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
