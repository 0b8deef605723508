import type { V1PersistentVolumeClaim } from '@kubernetes/client-node'
import type { VolumeResizeOutcome, VolumeSpec, VolumeUsage } from '../pod-runtime.js'
import { VolumeResizeError } from '../pod-runtime.js'
import type { ClusterWatch } from './cluster-watch.js'
import { deleteIgnoringMissing } from './converge.js'
import { isAlreadyExists, isConflict, KubeApiError, type KubeClients, kube } from './kube-client.js'
import { buildVolumeClaim, type ManifestSettings } from './manifests.js'
import { rejectedOr } from './object-compare.js'

/**
 * A user's volumes on the cluster (ADR 0016): PersistentVolumeClaims with the configured storage
 * class and access mode, owned by no Pod, removed only by an explicit volume delete. A resize
 * raises `spec.resources.requests.storage`; the cluster expands the volume only when the claim's
 * storage class allows it, and otherwise refuses — that refusal reaches the user as is.
 */

export interface ClusterVolumesOptions {
  clients: KubeClients
  manifests: ManifestSettings
  watch: ClusterWatch
}

export class ClusterVolumes {
  constructor(private readonly o: ClusterVolumesOptions) {}

  private get ns(): string {
    return this.o.manifests.namespace
  }

  async ensure(volume: VolumeSpec): Promise<void> {
    const { watch } = this.o
    await watch.synced([watch.volumes])
    const existing = watch.volumes.get(volume.name)
    if (existing?.metadata?.deletionTimestamp) throw new Error('The volume is being deleted; retrying')
    if (existing) return
    try {
      await kube(`create PersistentVolumeClaim ${volume.name}`, () =>
        this.o.clients.core.createNamespacedPersistentVolumeClaim({
          namespace: this.ns,
          body: buildVolumeClaim(volume, this.o.manifests),
        }),
      )
    } catch (error) {
      if (!isAlreadyExists(error)) throw rejectedOr(error)
    }
  }

  async delete(name: string): Promise<void> {
    await deleteIgnoringMissing(`delete PersistentVolumeClaim ${name}`, () =>
      this.o.clients.core.deleteNamespacedPersistentVolumeClaim({ name, namespace: this.ns }),
    )
  }

  /** Raises the claim's request (never lowers it); the storage class decides whether it may grow. */
  async resize(volume: VolumeSpec): Promise<VolumeResizeOutcome> {
    const { core } = this.o.clients
    const action = `resize PersistentVolumeClaim ${volume.name}`
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = (await kube(`read PersistentVolumeClaim ${volume.name}`, () =>
        core.readNamespacedPersistentVolumeClaim({ name: volume.name, namespace: this.ns }),
      )) as V1PersistentVolumeClaim
      const body: V1PersistentVolumeClaim = {
        ...current,
        spec: {
          ...current.spec,
          resources: {
            ...current.spec?.resources,
            requests: { ...current.spec?.resources?.requests, storage: `${volume.sizeGb}Gi` },
          },
        },
      }
      try {
        await kube(action, () =>
          core.replaceNamespacedPersistentVolumeClaim({ name: volume.name, namespace: this.ns, body }),
        )
        return 'expanded'
      } catch (error) {
        if (isConflict(error)) continue
        if (error instanceof KubeApiError && (error.code === 403 || error.code === 422))
          throw new VolumeResizeError(
            `The cluster refused to grow the volume (its storage class must allow volume expansion): ${error.message}`,
          )
        throw error
      }
    }
    throw new Error(`${action}: the claim kept changing; try again`)
  }

  /** Kubelet volume statistics are not read by this adapter: nothing is measured. */
  async usage(_names: string[]): Promise<VolumeUsage> {
    return new Map()
  }
}
