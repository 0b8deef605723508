import { createHash } from 'node:crypto'

/**
 * Names and labels of the objects NeuroPod creates on a cluster. Every name is derived from the
 * pod id (16 hex characters), never from user text, so it is always a valid DNS-1035 label (the
 * strictest rule, the one Services follow) and two pods can never share an object.
 */

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
export const MANAGED_BY = 'neuropod'
export const POD_ID_LABEL = 'neuropod.io/pod-id'
/** The platform's volume id on claims created since volumes outlive pods (ADR 0016) */
export const VOLUME_ID_LABEL = 'neuropod.io/volume-id'
export const USER_ID_LABEL = 'neuropod.io/user-id'
export const COMPONENT_LABEL = 'neuropod.io/component'
export const PORT_LABEL = 'neuropod.io/port'
export const ACCESS_ANNOTATION = 'neuropod.io/access'
export const SLUG_ANNOTATION = 'neuropod.io/slug'
export const GPU_ANNOTATION = 'neuropod.io/gpu'
/** Nodes carrying this label offer the GPU type named by its value (the default node selector). */
export const GPU_TYPE_NODE_LABEL = 'neuropod.io/gpu-type'

/** Selects every object NeuroPod manages (used by the informers and the orphan scan). */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`

/** The only container of a pod; logs and stats refer to it. */
export const CONTAINER_NAME = 'main'
/** Shared NetworkPolicy that isolates every NeuroPod pod of the namespace. */
export const ISOLATION_POLICY_NAME = 'neuropod-pods'
/** ExternalName Service in the pods' namespace that leads to the platform (the sign-in hand-over). */
export const PLATFORM_SERVICE_NAME = 'neuropod-platform'
/** Components of namespace-wide objects: no pod owns them, so orphan sweeps leave them alone. */
export const SHARED_COMPONENTS: ReadonlySet<string> = new Set(['isolation', 'platform'])

export type Component = 'workload' | 'volume' | 'env' | 'service' | 'tcp-service' | 'ingress' | 'tcp-policy'

const POD_ID = /^[a-f0-9]{16}$/
const NAME = /^np-([a-f0-9]{16})(?:-(data|env|tcp|\d{1,5}))?$/

export interface ObjectNames {
  pod: string
  volume: string
  env: string
  service: string
  tcpService: string
  tcpPolicy: string
  ingress(port: number): string
}

export function objectNames(podId: string): ObjectNames {
  if (!POD_ID.test(podId)) throw new Error(`Not a pod id: ${JSON.stringify(podId)}`)
  const base = `np-${podId}`
  return {
    pod: base,
    volume: `${base}-data`,
    env: `${base}-env`,
    service: base,
    tcpService: `${base}-tcp`,
    tcpPolicy: `${base}-tcp`,
    ingress: (port) => `${base}-${port}`,
  }
}

/** The claim of a volume created since ADR 0016 (older ones keep `np-<podId>-data`). */
export function volumeClaimName(volumeId: string): string {
  if (!POD_ID.test(volumeId)) throw new Error(`Not a volume id: ${JSON.stringify(volumeId)}`)
  return `np-vol-${volumeId}`
}

/** The pod id an object name belongs to (`np-<podId>` or `np-<podId>-<suffix>`), else null. */
export function podIdFromName(name: string | undefined): string | null {
  return name ? (NAME.exec(name)?.[1] ?? null) : null
}

// ---------------------------------------------------------------- Kubernetes name rules

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

/** RFC 1123 label: most object names (pods, PVCs, secrets, ingresses), container and volume names. */
export const isDns1123Label = (s: string): boolean => s.length <= 63 && DNS1123_LABEL.test(s)

/** RFC 1035 label: Service names (must start with a letter). */
export const isDns1035Label = (s: string): boolean => s.length <= 63 && DNS1035_LABEL.test(s)

/** RFC 1123 subdomain: object names in general and Ingress hosts. */
export const isDns1123Subdomain = (s: string): boolean =>
  s.length <= 253 && s.split('.').every((part) => isDns1123Label(part))

export const isLabelValue = (s: string): boolean => s.length <= 63 && LABEL_VALUE.test(s)

/** Label and annotation keys: optional DNS-subdomain prefix, then a name of at most 63 characters. */
export function isQualifiedKey(key: string): boolean {
  const slash = key.lastIndexOf('/')
  const prefix = slash >= 0 ? key.slice(0, slash) : null
  const name = slash >= 0 ? key.slice(slash + 1) : key
  if (prefix !== null && (prefix.length === 0 || !isDns1123Subdomain(prefix))) return false
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name)
}

/** IANA service names (container and Service port names): ≤ 15 characters, at least one letter. */
export const isPortName = (s: string): boolean =>
  s.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--')

/**
 * A label value for an id we do not control the shape of (user ids are UUIDs today): used as is
 * when valid, otherwise replaced by a stable hash so the object can still be created.
 */
export function safeLabelValue(value: string): string {
  if (isLabelValue(value)) return value
  return `h-${createHash('sha256').update(value).digest('hex').slice(0, 32)}`
}
