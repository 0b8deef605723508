import type { V1NetworkPolicy, V1Service } from '@kubernetes/client-node'
import { convergeUncached } from './converge.js'
import { canonical, type KubeClients, plain } from './kube-client.js'
import { buildIsolationPolicy, buildPlatformService, type ManifestSettings } from './manifests.js'

/**
 * Namespace-wide objects no pod owns, converged when the adapter starts: the ExternalName Service
 * `neuropod-platform` (pod Ingresses send the sign-in hand-over through it) and, when enabled, the
 * NetworkPolicy that isolates every pod of the namespace.
 */

export function ensurePlatformService(clients: KubeClients, manifests: ManifestSettings): Promise<void> {
  const { core } = clients
  const namespace = manifests.namespace
  return convergeUncached<V1Service>(buildPlatformService(manifests), {
    kind: 'Service',
    same: (a, b) =>
      a.spec?.externalName === b.spec?.externalName &&
      canonical(plain(a.spec?.ports?.map((p) => p.port))) ===
        canonical(plain(b.spec?.ports?.map((p) => p.port))),
    create: (body) => core.createNamespacedService({ namespace, body }),
    read: (name) => core.readNamespacedService({ name, namespace }),
    replace: (name, body) => core.replaceNamespacedService({ name, namespace, body }),
  })
}

export function ensureIsolationPolicy(clients: KubeClients, manifests: ManifestSettings): Promise<void> {
  const { networking } = clients
  const namespace = manifests.namespace
  return convergeUncached<V1NetworkPolicy>(buildIsolationPolicy(manifests), {
    kind: 'NetworkPolicy',
    same: (a, b) => canonical(plain(a.spec)) === canonical(plain(b.spec)),
    create: (body) => networking.createNamespacedNetworkPolicy({ namespace, body }),
    read: (name) => networking.readNamespacedNetworkPolicy({ name, namespace }),
    replace: (name, body) => networking.replaceNamespacedNetworkPolicy({ name, namespace, body }),
  })
}
