import type { V1Ingress, V1NetworkPolicy, V1Service } from '@kubernetes/client-node'
import type { Logger } from '../../lib/logger.js'
import type { PodObservation, PodSpec, RuntimeEvent } from '../pod-runtime.js'
import type { ClusterWatch } from './cluster-watch.js'
import { converge, deleteIgnoringMissing } from './converge.js'
import { EnvSecrets } from './env-secret.js'
import { canonical, isAlreadyExists, type KubeClients, kube, plain } from './kube-client.js'
import { buildDependents, buildPod, type ManifestSettings, type OwnerPod } from './manifests.js'
import { objectNames, POD_ID_LABEL } from './names.js'
import { keepAllocated, rejectedOr, sameIngress, sameOwner, sameService } from './object-compare.js'
import type { ClusterVolumes } from './volumes.js'

/**
 * The write half of the Kubernetes adapter: a pod's objects (volume claim, env Secret, Pod,
 * Services, Ingresses, TCP NetworkPolicy) created, converged and deleted. Every mutation is an
 * idempotent create-or-adopt sequence (409 means "already there", 404 on delete means "already
 * gone"), so the reconciler can repeat it after any failure or restart. Reads come from the
 * watch's cache; the Pod's dependents carry it as owner, so the cluster removes them with it.
 */

export interface PodObjectsOptions {
  /** The pod's volume is the user's: created when missing, never deleted with the pod */
  volumes: ClusterVolumes
  clients: KubeClients
  manifests: ManifestSettings
  watch: ClusterWatch
  /** How long ensureRunning waits for a previous incarnation of the pod to go away */
  terminationWaitMs?: number
  log: Logger
  event(event: RuntimeEvent): void
}

const REOBSERVE_MS = 1_000

export class PodObjects {
  private readonly secrets: EnvSecrets
  /** Pods (by uid of the incarnation) this adapter is removing because they can never run */
  private readonly removing = new Map<string, string>()

  constructor(private readonly o: PodObjectsOptions) {
    this.secrets = new EnvSecrets(o.clients, o.manifests, o.watch.secrets)
  }

  private get ns(): string {
    return this.o.manifests.namespace
  }

  private get watch(): ClusterWatch {
    return this.o.watch
  }

  async ensureRunning(spec: PodSpec): Promise<void> {
    const { watch } = this
    await watch.synced([watch.pods, watch.services, watch.ingresses, watch.volumes])
    const names = objectNames(spec.podId)
    await this.o.volumes.ensure(spec.volume)

    let pod = watch.pods.get(names.pod)
    if (pod && !pod.metadata?.deletionTimestamp && isFinished(watch.observe(spec.podId))) {
      // A previous run ended (exit, failed pull): it holds the name, so it goes first.
      await this.deletePod(names.pod, 0)
      pod = watch.pods.get(names.pod)
    }
    if (pod && (pod.metadata?.deletionTimestamp || isFinished(watch.observe(spec.podId)))) {
      this.o.event({
        podId: spec.podId,
        type: 'normal',
        reason: 'Waiting',
        message: 'Waiting for the previous container to stop',
        progress: 5,
      })
      const gone = await watch.waitForPod(
        names.pod,
        () => !watch.pods.get(names.pod),
        this.o.terminationWaitMs ?? 120_000,
      )
      if (!gone) throw new Error('The previous container of this pod is still stopping; retrying')
      pod = undefined
    }

    let owner: OwnerPod
    if (pod) {
      owner = { name: names.pod, uid: pod.metadata!.uid! }
      await this.secrets.check(spec, owner)
    } else {
      const secret = await this.secrets.apply(spec, null)
      owner = await this.createPod(spec)
      await this.secrets.adopt(spec, secret, owner)
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
      // Not after close (the listener is gone then).
      if (this.watch.listener && this.watch.pods.get(objectNames(podId).pod))
        this.watch.emitObservation(podId, true)
    }, REOBSERVE_MS)
    timer.unref()
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

  /** Services, Ingresses and the TCP NetworkPolicy: created when missing, replaced when they drifted. */
  private async ensureDependents(spec: PodSpec, owner: OwnerPod): Promise<void> {
    const desired = buildDependents(spec, this.o.manifests, owner)
    const { core, networking } = this.o.clients
    const ns = this.ns
    await Promise.all([
      ...desired.services.map((svc) =>
        converge<V1Service>(svc, this.watch.services.get(svc.metadata!.name!), {
          kind: 'Service',
          same: sameService,
          create: (body) => core.createNamespacedService({ namespace: ns, body }),
          read: (name) => core.readNamespacedService({ name, namespace: ns }),
          replace: (name, body, current) =>
            core.replaceNamespacedService({ name, namespace: ns, body: keepAllocated(body, current) }),
        }),
      ),
      ...desired.ingresses.map((ing) =>
        converge<V1Ingress>(ing, this.watch.ingresses.get(ing.metadata!.name!), {
          kind: 'Ingress',
          same: sameIngress,
          create: (body) => networking.createNamespacedIngress({ namespace: ns, body }),
          read: (name) => networking.readNamespacedIngress({ name, namespace: ns }),
          replace: (name, body) => networking.replaceNamespacedIngress({ name, namespace: ns, body }),
        }),
      ),
      ...desired.policies.map((pol) =>
        converge<V1NetworkPolicy>(pol, undefined, {
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
      this.podIngresses(spec.podId)
        .filter((name) => !ports.has(name))
        .map((name) => this.deleteIngress(name)),
    )
  }

  async updateAccess(spec: PodSpec): Promise<void> {
    const { watch } = this
    if (!watch.pods.synced || !watch.ingresses.synced) return
    const pod = watch.pods.get(objectNames(spec.podId).pod)
    if (!pod?.metadata?.uid || pod.metadata.deletionTimestamp) return
    const owner = { name: pod.metadata.name!, uid: pod.metadata.uid }
    const desired = buildDependents(spec, this.o.manifests, owner).ingresses
    const upToDate = (ing: V1Ingress) => {
      const cached = watch.ingresses.get(ing.metadata!.name!)
      return cached !== undefined && sameIngress(ing, cached as V1Ingress)
    }
    if (desired.every(upToDate)) return
    await this.ensureDependents(spec, owner)
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
    this.removing.delete(podId)
    await Promise.all([
      this.deletePod(names.pod, null),
      this.deleteSecret(names.env),
      ...[names.service, names.tcpService].map((name) =>
        deleteIgnoringMissing(`delete Service ${name}`, () =>
          core.deleteNamespacedService({ name, namespace: ns }),
        ),
      ),
      ...this.podIngresses(podId).map((name) => this.deleteIngress(name)),
      deleteIgnoringMissing(`delete NetworkPolicy ${names.tcpPolicy}`, () =>
        networking.deleteNamespacedNetworkPolicy({ name: names.tcpPolicy, namespace: ns }),
      ),
    ])
    // The claim stays: the volume belongs to the user (ClusterVolumes.delete removes it).
  }

  /**
   * A container that can never start (image pull failed, bad configuration) or crash-loops keeps
   * its Pod scheduled, holding a GPU the platform no longer bills for. The leading replica removes
   * that Pod once it has reported the failure; the volume stays. Pods that ended on their own
   * (phase Failed/Succeeded) hold nothing and are kept, so their logs stay readable.
   */
  removeIfStuck(podId: string, observation: PodObservation, active: boolean): void {
    const pod = this.watch.pods.get(objectNames(podId).pod)
    const phase = pod?.status?.phase
    if (!pod || phase === 'Failed' || phase === 'Succeeded') return
    const uid = pod.metadata?.uid ?? ''
    if (!active || this.removing.get(podId) === uid) return
    this.removing.set(podId, uid)
    this.o.log.info(
      { podId, reason: observation.reason },
      'removing a pod that cannot run; its volume is kept',
    )
    void this.deletePod(objectNames(podId).pod, 0).catch((error) => {
      this.removing.delete(podId)
      this.o.log.warn({ err: error, podId }, 'removing a failed pod failed; the next resync retries')
    })
  }

  private podIngresses(podId: string): string[] {
    return this.watch.ingresses
      .list()
      .filter((i) => i.metadata?.labels?.[POD_ID_LABEL] === podId)
      .map((i) => i.metadata!.name!)
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
}

function isFinished(o: PodObservation): boolean {
  return o.phase === 'exited' || o.phase === 'failed'
}
