import type {
  V1EnvVar,
  V1Ingress,
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1OwnerReference,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node'
import { podHost } from '../../lib/pod-urls.js'
import type { PodSpec, VolumeSpec } from '../pod-runtime.js'
import {
  ACCESS_ANNOTATION,
  COMPONENT_LABEL,
  CONTAINER_NAME,
  type Component,
  GPU_ANNOTATION,
  ISOLATION_POLICY_NAME,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  objectNames,
  PLATFORM_SERVICE_NAME,
  POD_ID_LABEL,
  PORT_LABEL,
  SLUG_ANNOTATION,
  safeLabelValue,
  USER_ID_LABEL,
  VOLUME_ID_LABEL,
} from './names.js'
import { type KubernetesProfiles, resolveProfile } from './profiles.js'

/**
 * Pure builders of every object NeuroPod creates on a cluster. They take the pod's spec and the
 * cluster settings and return plain manifests, so the tests check them as data and validate them
 * against the Kubernetes schemas; the adapter only sends them.
 *
 * Per pod:
 * - PersistentVolumeClaim `np-vol-<volumeId>` (`np-<podId>-data` before ADR 0016): the user's
 *   volume, not owned by the Pod, so it survives stop and delete (see buildVolumeClaim).
 * - Secret `np-<id>-env`: every environment value (the Jupyter token among them), read by the
 *   container through secretKeyRef, so no value appears in the Pod object.
 * - Pod `np-<id>`: one container, non-root by default, restartPolicy Never (see buildPod).
 * - Service `np-<id>` (ClusterIP, the HTTP ports), Service `np-<id>-tcp` (NodePort or
 *   LoadBalancer, the TCP ports) and NetworkPolicy `np-<id>-tcp` admitting outside traffic to them.
 * - Ingress `np-<id>-<port>` per HTTP port, host `<slug>-<port>.<POD_DOMAIN>`: `/` to the pod,
 *   `/__neuropod/` (the sign-in hand-over) to the platform.
 * Per namespace: NetworkPolicy `neuropod-pods` (isolation) and Service `neuropod-platform`
 * (ExternalName of NEUROPOD_INTERNAL_URL's host, the Ingresses' way to the platform).
 * Everything except the PVC carries an owner reference to the Pod: deleting the Pod (stop, or a
 * `kubectl delete pod`) lets the garbage collector remove them, and start re-creates them.
 */

export type VolumeAccessMode = 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany'

export interface ManifestSettings {
  namespace: string
  podDomain: string
  /** Browser-facing platform URL (the sign-in redirect of private ports) */
  publicUrl: string
  /** Platform URL as the ingress controller reaches it (the auth check of private ports) */
  internalUrl: string
  ingressClass: string
  tlsSecretName: string | null
  storageClass: string | null
  /** Access mode of new volume claims; ReadWriteMany lets the admin allow shared volumes */
  volumeAccessMode: VolumeAccessMode
  tcpExposure: 'nodeport' | 'loadbalancer'
  profiles: KubernetesProfiles
  allowRoot: boolean
  runAsUser: number
  fsGroup: number
  imagePullSecrets: string[]
  terminationGraceSeconds: number
  ingressNamespaceSelector: Record<string, string>
  controlPlaneNamespaceSelector: Record<string, string> | null
}

export interface OwnerPod {
  name: string
  uid: string
}

export const AUTH_URL_ANNOTATION = 'nginx.ingress.kubernetes.io/auth-url'
export const AUTH_SIGNIN_ANNOTATION = 'nginx.ingress.kubernetes.io/auth-signin'
export const AUTH_RESPONSE_HEADERS_ANNOTATION = 'nginx.ingress.kubernetes.io/auth-response-headers'
/** Path prefix on every pod host that the platform serves (see proxy/handover.ts). */
export const HANDOVER_PATH = '/__neuropod/'

/** Name, namespace, labels and the owner reference of an object that goes with the pod's Pod. */
function ownedMeta(
  spec: PodSpec,
  s: ManifestSettings,
  owner: OwnerPod,
  name: string,
  component: Component,
  extraLabels: Record<string, string> = {},
) {
  return {
    name,
    namespace: s.namespace,
    labels: labels(spec, component, extraLabels),
    ownerReferences: [ownerReference(owner)],
  }
}

function labels(spec: PodSpec, component: Component, extra: Record<string, string> = {}) {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [POD_ID_LABEL]: spec.podId,
    [USER_ID_LABEL]: safeLabelValue(spec.userId),
    [COMPONENT_LABEL]: component,
    ...extra,
  }
}

/** The labels a pod's Services select it by (never user text). */
export function podSelector(podId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [POD_ID_LABEL]: podId }
}

export function ownerReference(owner: OwnerPod): V1OwnerReference {
  // No blockOwnerDeletion: setting it needs update rights on pods/finalizers, and nothing here
  // must outlive the Pod's deletion anyway.
  return { apiVersion: 'v1', kind: 'Pod', name: owner.name, uid: owner.uid, controller: true }
}

/**
 * A user's volume: labelled with its volume id (no pod id, no owner reference), so it outlives
 * every pod that mounts it and only an explicit volume delete removes it (ADR 0016).
 */
export function buildVolumeClaim(volume: VolumeSpec, s: ManifestSettings): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: volume.name,
      namespace: s.namespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [VOLUME_ID_LABEL]: volume.volumeId,
        [USER_ID_LABEL]: safeLabelValue(volume.userId),
        [COMPONENT_LABEL]: 'volume',
      },
    },
    spec: {
      accessModes: [s.volumeAccessMode],
      resources: { requests: { storage: `${volume.sizeGb}Gi` } },
      ...(s.storageClass ? { storageClassName: s.storageClass } : {}),
    },
  }
}

export function buildEnvSecret(spec: PodSpec, s: ManifestSettings, owner: OwnerPod | null): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: objectNames(spec.podId).env,
      namespace: s.namespace,
      labels: labels(spec, 'env'),
      ...(owner ? { ownerReferences: [ownerReference(owner)] } : {}),
    },
    type: 'Opaque',
    stringData: { ...spec.env },
  }
}

/**
 * The workload.
 * - restartPolicy Never: when the container exits the pod's compute ends and the platform (not the
 *   kubelet) decides what happens next. A kubelet restart loop would keep a GPU busy while the
 *   pod is shown and billed as failed; with Never the exit code, reason and logs stay readable
 *   until the next start, stop or delete. There is no activeDeadlineSeconds: pods run until
 *   stopped, because the meter and the balance decide how long a pod may run, not a fixed deadline.
 * - Non-root by default (runAsNonRoot, fsGroup so the volume is writable), no privilege
 *   escalation, all capabilities dropped, RuntimeDefault seccomp, no service-account token, no
 *   service links (which would inject one variable per Service of the namespace).
 * - Resources from the GPU type's profile; `ephemeral-storage` is the container disk the user pays for.
 */
export function buildPod(spec: PodSpec, s: ManifestSettings): V1Pod {
  const names = objectNames(spec.podId)
  const profile = resolveProfile(s.profiles, spec.gpu ? { type: spec.gpu.type, count: spec.gpu.count } : null)
  const gpuResources: Record<string, string> = spec.gpu
    ? { [profile.resourceName]: String(spec.gpu.count), ...profile.extraResources }
    : {}
  const env: V1EnvVar[] = Object.keys(spec.env)
    .sort()
    .map((name) => ({ name, valueFrom: { secretKeyRef: { name: names.env, key: name } } }))
  const ports = [
    ...spec.httpPorts.map((port) => ({ name: `http-${port}`, containerPort: port, protocol: 'TCP' })),
    ...spec.tcpPorts.map((port) => ({ name: `tcp-${port}`, containerPort: port, protocol: 'TCP' })),
  ]
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: names.pod,
      namespace: s.namespace,
      labels: labels(spec, 'workload'),
      annotations: { [SLUG_ANNOTATION]: spec.slug, [GPU_ANNOTATION]: spec.gpu?.type ?? 'cpu' },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: s.terminationGraceSeconds,
      securityContext: {
        ...(s.allowRoot
          ? {}
          : { runAsNonRoot: true, runAsUser: s.runAsUser, runAsGroup: s.runAsUser, fsGroup: s.fsGroup }),
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...(Object.keys(profile.nodeSelector).length > 0 ? { nodeSelector: profile.nodeSelector } : {}),
      ...(spec.gpu && profile.tolerations.length > 0 ? { tolerations: profile.tolerations } : {}),
      ...(spec.gpu && profile.runtimeClassName ? { runtimeClassName: profile.runtimeClassName } : {}),
      ...(spec.gpu && profile.schedulerName ? { schedulerName: profile.schedulerName } : {}),
      ...(s.imagePullSecrets.length > 0
        ? { imagePullSecrets: s.imagePullSecrets.map((name) => ({ name })) }
        : {}),
      containers: [
        {
          name: CONTAINER_NAME,
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          ...(spec.startCommand ? { command: ['/bin/sh', '-c', spec.startCommand] } : {}),
          env,
          ports,
          resources: {
            requests: { cpu: profile.cpu, memory: profile.memory, ...gpuResources },
            limits: {
              cpu: profile.cpuLimit,
              memory: profile.memoryLimit,
              'ephemeral-storage': `${spec.containerDiskGb}Gi`,
              ...gpuResources,
            },
          },
          ...readinessProbe(spec.httpPorts),
          volumeMounts: [
            { name: 'data', mountPath: spec.volumePath },
            { name: 'shm', mountPath: '/dev/shm' },
          ],
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            // A root container keeps the runtime's default capabilities (package installs need
            // CHOWN, SETUID…); a non-root one needs none.
            ...(s.allowRoot ? {} : { capabilities: { drop: ['ALL'] } }),
          },
        },
      ],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: spec.volume.name } },
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: profile.shmSize } },
      ],
    },
  }
}

/**
 * The kubelet's TCP check of the first HTTP port (a container has one readiness probe): the Pod's
 * Ready condition then says the service listens, which the runtime reports without any route to
 * the pod (a control plane outside the cluster). Readiness probes never restart a container, so a
 * slow image simply stays not-ready; there is no liveness probe, hence no startup probe either (with
 * restartPolicy Never a failed startup probe would end a pod that merely does not listen yet).
 */
function readinessProbe(httpPorts: number[]) {
  const port = httpPorts[0]
  if (port === undefined) return {}
  return {
    readinessProbe: { tcpSocket: { port }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 },
  }
}

function servicePorts(prefix: 'http' | 'tcp', ports: number[]) {
  return ports.map((port) => ({ name: `${prefix}-${port}`, port, targetPort: port, protocol: 'TCP' }))
}

/** ClusterIP Service for the HTTP ports: the Ingresses' backend and the readiness probes' target. */
export function buildHttpService(spec: PodSpec, s: ManifestSettings, owner: OwnerPod): V1Service | null {
  if (spec.httpPorts.length === 0) return null
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(spec, s, owner, objectNames(spec.podId).service, 'service'),
    spec: {
      type: 'ClusterIP',
      selector: podSelector(spec.podId),
      ports: servicePorts('http', spec.httpPorts),
    },
  }
}

/** TCP ports reachable from outside the cluster: NodePort or LoadBalancer, per configuration. */
export function buildTcpService(spec: PodSpec, s: ManifestSettings, owner: OwnerPod): V1Service | null {
  if (spec.tcpPorts.length === 0) return null
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(spec, s, owner, objectNames(spec.podId).tcpService, 'tcp-service'),
    spec: {
      type: s.tcpExposure === 'loadbalancer' ? 'LoadBalancer' : 'NodePort',
      selector: podSelector(spec.podId),
      ports: servicePorts('tcp', spec.tcpPorts),
    },
  }
}

/** Admits outside traffic to the pod's TCP ports, which the namespace-wide isolation would block. */
export function buildTcpNetworkPolicy(
  spec: PodSpec,
  s: ManifestSettings,
  owner: OwnerPod,
): V1NetworkPolicy | null {
  if (spec.tcpPorts.length === 0) return null
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: ownedMeta(spec, s, owner, objectNames(spec.podId).tcpPolicy, 'tcp-policy'),
    spec: {
      podSelector: { matchLabels: podSelector(spec.podId) },
      policyTypes: ['Ingress'],
      ingress: [{ ports: spec.tcpPorts.map((port) => ({ port, protocol: 'TCP' })) }],
    },
  }
}

export function isPublicPort(spec: PodSpec, port: number): boolean {
  return spec.publicHttpPorts?.includes(port) ?? false
}

/**
 * One Ingress per HTTP port, so each port has its own host and its own access level. Every request
 * is first checked by ingress-nginx against the platform (`auth-url` → `/api/proxy/auth`): on a
 * private port only the owner or an admin passes, and a browser without a credential is sent to
 * sign in (`auth-signin`), which ends at `/__neuropod/auth` on the pod host — routed here to the
 * platform — where a one-time ticket becomes a cookie for that host. Public ports are checked too,
 * so that the platform's cookies are taken off every request before it reaches the pod
 * (`auth-response-headers` replaces Cookie and Authorization with the platform's answer, which
 * also carries the Jupyter token for the owner). Timeouts suit WebSockets and long-running
 * requests (Jupyter kernels, ComfyUI queues); uploads are streamed, not buffered.
 */
export function buildIngress(spec: PodSpec, port: number, s: ManifestSettings, owner: OwnerPod): V1Ingress {
  const host = podHost(spec.slug, port, s.podDomain)
  const access = isPublicPort(spec, port) ? 'public' : 'private'
  const annotations: Record<string, string> = {
    [ACCESS_ANNOTATION]: access,
    'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
    'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
    'nginx.ingress.kubernetes.io/proxy-body-size': '0',
    'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
    'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
    [AUTH_URL_ANNOTATION]: `${s.internalUrl}/api/proxy/auth`,
    [AUTH_RESPONSE_HEADERS_ANNOTATION]: 'Cookie, Authorization',
  }
  // A public port lets everyone through, so only a private one ever sends a browser to sign in.
  if (access === 'private')
    annotations[AUTH_SIGNIN_ANNOTATION] =
      `${s.publicUrl}/api/proxy/signin?rd=$scheme://$host$escaped_request_uri`
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...ownedMeta(spec, s, owner, objectNames(spec.podId).ingress(port), 'ingress', {
        [PORT_LABEL]: String(port),
      }),
      annotations,
    },
    spec: {
      ingressClassName: s.ingressClass,
      ...(s.tlsSecretName ? { tls: [{ hosts: [host], secretName: s.tlsSecretName }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: objectNames(spec.podId).service, port: { number: port } } },
              },
              {
                path: HANDOVER_PATH,
                pathType: 'Prefix',
                backend: {
                  service: { name: PLATFORM_SERVICE_NAME, port: { number: platformPort(s.internalUrl) } },
                },
              },
            ],
          },
        },
      ],
    },
  }
}

/**
 * Namespace-wide isolation of NeuroPod pods: traffic in only from the ingress controller's
 * namespace (and the control plane, whose readiness probes reach the pods' Services), so pods
 * cannot reach each other; traffic out anywhere except the cloud metadata address, which would
 * hand out the node's cloud credentials.
 */
export function buildIsolationPolicy(s: ManifestSettings): V1NetworkPolicy {
  const from: V1NetworkPolicyPeer[] = [{ namespaceSelector: { matchLabels: s.ingressNamespaceSelector } }]
  if (s.controlPlaneNamespaceSelector) {
    from.push({
      namespaceSelector: { matchLabels: s.controlPlaneNamespaceSelector },
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'neuropod', 'app.kubernetes.io/component': 'control-plane' },
      },
    })
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: ISOLATION_POLICY_NAME,
      namespace: s.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: 'isolation' },
    },
    spec: {
      podSelector: { matchLabels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
      policyTypes: ['Ingress', 'Egress'],
      // client-node's model spells `from` as `_from` (a reserved word); it is sent as `from`.
      ingress: [{ _from: from }],
      egress: [
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] },
        { to: [{ ipBlock: { cidr: '::/0', except: ['fd00:ec2::254/128'] } }] },
      ],
    },
  }
}

function platformPort(internalUrl: string): number {
  const url = new URL(internalUrl)
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
}

/**
 * The pods' namespace has no route to the platform of its own, and an Ingress can only send a path
 * to a Service of its namespace: this ExternalName Service names the host of NEUROPOD_INTERNAL_URL
 * (which must be a DNS name) so that `/__neuropod/` on every pod host reaches the platform.
 */
export function buildPlatformService(s: ManifestSettings): V1Service {
  const port = platformPort(s.internalUrl)
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: PLATFORM_SERVICE_NAME,
      namespace: s.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: 'platform' },
    },
    spec: {
      type: 'ExternalName',
      externalName: new URL(s.internalUrl).hostname,
      ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }],
    },
  }
}

/** Everything that goes with a running Pod, in creation order. */
export function buildDependents(
  spec: PodSpec,
  s: ManifestSettings,
  owner: OwnerPod,
): { services: V1Service[]; ingresses: V1Ingress[]; policies: V1NetworkPolicy[] } {
  return {
    services: [buildHttpService(spec, s, owner), buildTcpService(spec, s, owner)].filter(
      (x): x is V1Service => x !== null,
    ),
    ingresses: spec.httpPorts.map((port) => buildIngress(spec, port, s, owner)),
    policies: [buildTcpNetworkPolicy(spec, s, owner)].filter((x): x is V1NetworkPolicy => x !== null),
  }
}
