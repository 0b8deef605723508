import type { V1Secret } from '@kubernetes/client-node'
import type { PodSpec } from '../pod-runtime.js'
import type { KSecret } from './cluster-watch.js'
import type { Informer } from './informer.js'
import { canonical, isAlreadyExists, isConflict, isNotFound, type KubeClients, kube } from './kube-client.js'
import { buildEnvSecret, type ManifestSettings, type OwnerPod } from './manifests.js'
import { objectNames } from './names.js'
import { type Owned, ownerUid, rejectedOr } from './object-compare.js'

/**
 * The Secret that carries a pod's environment (JUPYTER_TOKEN among it). It is written before the
 * Pod exists (the Pod reads it at start) and then given the Pod as owner, so the cluster removes
 * it with the Pod; a repeated or interrupted start repairs whichever half is missing.
 */
export class EnvSecrets {
  constructor(
    private readonly clients: KubeClients,
    private readonly manifests: ManifestSettings,
    private readonly cache: Informer<KSecret>,
  ) {}

  private get ns(): string {
    return this.manifests.namespace
  }

  /** Creates or replaces the Secret; returns it as stored. */
  async apply(spec: PodSpec, owner: OwnerPod | null): Promise<V1Secret> {
    const body = buildEnvSecret(spec, this.manifests, owner)
    const name = body.metadata!.name!
    const { core } = this.clients
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
        return await this.replace(body, current.metadata?.resourceVersion)
      } catch (error) {
        if (attempt >= 3 || !(isNotFound(error) || isConflict(error))) throw error
      }
    }
  }

  /** The pod exists already (a repeated or interrupted start): fix its Secret only if it drifted. */
  async check(spec: PodSpec, owner: OwnerPod): Promise<void> {
    const name = objectNames(spec.podId).env
    const data = Object.fromEntries(
      Object.entries(spec.env).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    )
    const upToDate = (s: (Owned & { data?: Record<string, string> }) | undefined) =>
      s !== undefined && ownerUid(s) === owner.uid && canonical(s.data ?? {}) === canonical(data)
    if (upToDate(this.cache.get(name))) return
    let current: V1Secret
    try {
      current = await kube(`read Secret ${name}`, () =>
        this.clients.core.readNamespacedSecret({ name, namespace: this.ns }),
      )
    } catch (error) {
      if (!isNotFound(error)) throw error
      await this.apply(spec, owner)
      return
    }
    if (upToDate(current)) return
    await this.adopt(spec, current, owner)
  }

  /** Gives the stored Secret the Pod as owner (and the current data). */
  async adopt(spec: PodSpec, stored: V1Secret, owner: OwnerPod): Promise<void> {
    const body = buildEnvSecret(spec, this.manifests, owner)
    try {
      await this.replace(body, stored.metadata?.resourceVersion)
    } catch (error) {
      if (!isConflict(error) && !isNotFound(error)) throw error
      await this.apply(spec, owner)
    }
  }

  private replace(body: V1Secret, resourceVersion: string | undefined): Promise<V1Secret> {
    const name = body.metadata!.name!
    return kube(`replace Secret ${name}`, () =>
      this.clients.core.replaceNamespacedSecret({
        name,
        namespace: this.ns,
        body: { ...body, metadata: { ...body.metadata, resourceVersion } },
      }),
    )
  }
}
