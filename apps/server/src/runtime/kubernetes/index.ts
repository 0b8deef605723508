import type { Config } from '../../config.js'
import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import {
  createClients,
  kube,
  kubernetesConfigured,
  loadKubeConfig,
  serviceAccountNamespace,
} from './kube-client.js'
import { KubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes-runtime.js'

/** Pod termination grace: Jupyter and ComfyUI stop well within it; a stop never waits on it. */
const TERMINATION_GRACE_SECONDS = 15

export function createKubernetesRuntime(
  config: Config,
  clock: Clock,
  log: Logger,
  overrides: Partial<KubernetesRuntimeOptions> = {},
): KubernetesRuntime {
  const k = config.kubernetes
  const clients = createClients(loadKubeConfig(k))
  // In a pod, the control plane's own namespace is where the readiness probes come from.
  const ownNamespace = k.inCluster ? serviceAccountNamespace() : null
  return new KubernetesRuntime({
    clients,
    clock,
    log,
    manifests: {
      namespace: k.namespace,
      podDomain: config.podDomain,
      publicUrl: config.publicUrl,
      internalUrl: k.internalUrl,
      ingressClass: k.ingressClass,
      tlsSecretName: k.tlsSecretName,
      storageClass: k.storageClass,
      volumeAccessMode: k.volumeAccessMode,
      tcpExposure: k.tcpExposure,
      profiles: k.profiles,
      allowRoot: k.allowRoot,
      runAsUser: k.runAsUser,
      fsGroup: k.fsGroup,
      imagePullSecrets: k.imagePullSecrets,
      terminationGraceSeconds: TERMINATION_GRACE_SECONDS,
      ingressNamespaceSelector: k.ingressNamespaceSelector,
      controlPlaneNamespaceSelector:
        k.controlPlaneNamespaceSelector ??
        (ownNamespace ? { 'kubernetes.io/metadata.name': ownNamespace } : null),
    },
    tcpHost: k.tcpHost,
    probeVia: k.probeVia,
    clusterDomain: k.clusterDomain,
    networkPolicy: k.networkPolicy,
    resyncSeconds: k.resyncSeconds,
    dcgmExporterUrl: config.metrics.dcgmExporterUrl,
    ...overrides,
  })
}

/**
 * Auto-detection: a cluster is used when one is configured (an explicit KUBECONFIG, or a pod's
 * service account) and its API answers within two seconds.
 */
export async function detectKubernetes(config: Config, log: Logger): Promise<boolean> {
  if (!kubernetesConfigured(config.kubernetes)) return false
  try {
    const clients = createClients(loadKubeConfig(config.kubernetes), 2000)
    const version = await kube('get version', () => clients.version.getCode())
    log.info({ version: version.gitVersion }, 'Kubernetes API found')
    return true
  } catch (error) {
    log.warn({ err: error }, 'a cluster is configured but its API does not answer')
    return false
  }
}
