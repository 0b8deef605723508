/**
 * The one place that reads the environment. `loadConfig(env)` parses and validates every variable
 * at start-up and throws a ConfigError naming each bad variable, so a typo stops the server instead
 * of surfacing hours later. Every variable is documented in docs/configuration.md.
 */
import { isIP } from 'node:net'
import path from 'node:path'
import { parseResourceLimits, type ResourceLimits } from './runtime/docker/resource-limits.js'
import { DEFAULT_PROFILES, type KubernetesProfiles, parseProfiles } from './runtime/kubernetes/profiles.js'

export type RuntimeKind = 'docker' | 'kubernetes' | 'simulated'

export interface Config {
  env: string
  host: string
  port: number
  publicUrl: string
  podDomain: string
  trustProxy: boolean
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  dataDir: string
  databaseUrl: string | null
  secret: string | null
  webDist: string | null
  runtime: RuntimeKind | null
  docker: {
    socketPath: string | null
    host: string | null
    /** Rootless Podman and Docker keep their sockets under XDG_RUNTIME_DIR */
    xdgRuntimeDir: string | null
    /** DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for tcp:// engines */
    tls: { verify: boolean; certPath: string | null }
    /** Where HTTP ports are published (the platform's proxy and probes reach them there) */
    bindAddress: string
    /** Where TCP ports are published (users connect to them directly) */
    tcpBindAddress: string
    /** Host name shown to users for TCP ports; null = derived from the TCP bind address or PUBLIC_URL */
    tcpHost: string | null
    gpus: GpuDevice[] | null
    /** How a container is given its GPUs: nvidia (DeviceRequests), cdi (CDI device names), env (NVIDIA_VISIBLE_DEVICES only) */
    gpuMode: 'nvidia' | 'cdi' | 'env'
    limits: ResourceLimits
    /** Grace between SIGTERM and SIGKILL when a pod stops */
    stopTimeoutSeconds: number
    /** Enforce the container disk size with a storage quota (overlay on xfs with pquota, or btrfs) */
    diskQuota: boolean
  }
  kubernetes: KubernetesConfig
  cleanupOrphans: boolean
  auth: {
    adminEmail: string
    adminPassword: string | null
    adminEmails: string[]
    allowedEmails: string[]
    devLogin: boolean
    googleClientId: string | null
    googleIssuers: string[]
    googleJwksUrl: string
    sessionTtlHours: number
    loginRateLimit: { max: number; windowSeconds: number }
  }
  pricingSeed: {
    gpuPrices: Record<string, { name: string; price: number }>
    containerDiskPrice: number | null
    volumeDiskPrice: number | null
  }
  meter: { intervalSeconds: number }
  reconciler: { intervalSeconds: number; readinessGraceSeconds: number }
  simulation: { createDelayMs: number; startDelayMs: number }
  proxy: ProxyConfig
  /** Idle auto-stop (ADR 0018): how often the leader evaluates, and what counts as busy */
  idle: { intervalSeconds: number; cpuThresholdPercent: number; gpuThresholdPercent: number }
  ssh: SshConfig
  /** Origins (besides PUBLIC_URL's) whose pages may call the API and open sockets with credentials */
  corsOrigins: string[]
  metrics: MetricsConfig
  volumes: VolumesConfig
}

/** The SSH gateway (ssh/): off when port is null. */
export interface SshConfig {
  /** null: no SSH listener; 0: any free port (tests) */
  port: number | null
  /** NEUROPOD_SSH_PORT was set: failing to listen stops the server (development's default does not) */
  required: boolean
  /** Address the gateway listens on */
  host: string
  /** Host name users connect to (shown in the UI and used by the CLI); null: PUBLIC_URL's host */
  publicHost: string | null
  /** The host key file (OpenSSH private key); null: generated once under the data directory */
  hostKeyFile: string | null
}

/** Per-pod measurements and the Prometheus endpoint (docs/operations/metrics.md). */
export interface MetricsConfig {
  intervalSeconds: number
  rawRetentionMinutes: number
  minuteRetentionDays: number
  /** GPU figures on Kubernetes: a DCGM exporter's metrics URL */
  dcgmExporterUrl: string | null
  /** Bearer token for GET /metrics; null = the endpoint is off */
  token: string | null
}

/** User volumes (ADR 0016). */
export interface VolumesConfig {
  /** Let several pods mount one volume when the runtime offers shared storage */
  sharing: boolean
  /** Largest file upload or download through the API, in bytes */
  maxTransferBytes: number
  /** A balance negative for this long puts the user's volumes "at risk" (warned, shown to admins) */
  riskAfterHours: number
}

/** Pod URLs: the authenticating reverse proxy in front of every pod's HTTP ports. */
export interface ProxyConfig {
  /** A second listener that serves only pod hosts (null: pod hosts are served on PORT only) */
  port: number | null
  host: string
  /** Lifetime of the one-time sign-in ticket handed from the platform to a pod host */
  ticketTtlSeconds: number
  /** How often recorded pod activity is written to the database */
  activityFlushMs: number
  /** Give up connecting to a pod's port after this long */
  connectTimeoutMs: number
}

export interface KubernetesConfig {
  kubeconfig: string | null
  /** KUBERNETES_SERVICE_HOST is set: the server runs in a pod and may use its service account */
  inCluster: boolean
  namespace: string
  storageClass: string | null
  volumeAccessMode: 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany'
  ingressClass: string
  tlsSecretName: string | null
  /** Where the ingress controller reaches the platform for private ports' auth checks */
  internalUrl: string
  profiles: KubernetesProfiles
  tcpExposure: 'nodeport' | 'loadbalancer'
  tcpHost: string | null
  probeVia: 'service' | 'pod-ip'
  clusterDomain: string
  allowRoot: boolean
  runAsUser: number
  fsGroup: number
  imagePullSecrets: string[]
  networkPolicy: boolean
  ingressNamespaceSelector: Record<string, string>
  controlPlaneNamespaceSelector: Record<string, string> | null
  resyncSeconds: number
}

export interface GpuDevice {
  deviceId: string
  gpuType: string
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

class Reader {
  readonly problems: string[] = []
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback
  }

  optional(name: string): string | null {
    return this.raw(name) ?? null
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name)
    if (v === undefined) return fallback
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(`${name}=${JSON.stringify(v)} must be a whole number from ${min} to ${max}`)
      return fallback
    }
    return Number(v)
  }

  number(name: string, fallback: number | null, min: number, max: number): number | null {
    const v = this.raw(name)
    if (v === undefined) return fallback
    const n = Number(v)
    if (!/^-?\d+(\.\d+)?$/.test(v) || n < min || n > max) {
      this.problems.push(`${name}=${JSON.stringify(v)} must be a number from ${min} to ${max}`)
      return fallback
    }
    return n
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase()
    if (v === undefined) return fallback
    if (['true', '1', 'yes', 'on'].includes(v)) return true
    if (['false', '0', 'no', 'off'].includes(v)) return false
    this.problems.push(`${name}=${JSON.stringify(v)} must be true or false`)
    return fallback
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T | null): T | null {
    const v = this.raw(name)
    if (v === undefined) return fallback
    if ((values as readonly string[]).includes(v)) return v as T
    this.problems.push(`${name}=${JSON.stringify(v)} must be one of ${values.join(', ')}`)
    return fallback
  }

  url(name: string, fallback: string | null): string | null {
    const v = this.raw(name)
    if (v === undefined) return fallback
    try {
      const u = new URL(v)
      if (!['http:', 'https:', 'postgres:', 'postgresql:', 'tcp:', 'unix:'].includes(u.protocol))
        throw new Error()
      return v
    } catch {
      this.problems.push(`${name}=${JSON.stringify(v)} must be a URL`)
      return fallback
    }
  }

  /** `key=value[,key=value]`, as in kubectl's equality-based label selectors */
  selector(name: string, fallback: Record<string, string> | null): Record<string, string> | null {
    const v = this.raw(name)
    if (v === undefined) return fallback
    const out: Record<string, string> = {}
    for (const part of v.split(',').map((p) => p.trim())) {
      const m = /^([A-Za-z0-9][-A-Za-z0-9_./]*)=([-A-Za-z0-9_.]{0,63})$/.exec(part)
      if (!m) {
        this.problems.push(`${name}=${JSON.stringify(v)} must look like key=value[,key=value]`)
        return fallback
      }
      out[m[1]!] = m[2]!
    }
    return out
  }

  emails(name: string): string[] {
    const v = this.raw(name)
    if (v === undefined) return []
    const list = v
      .split(',')
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean)
    for (const e of list) {
      // "@school.edu" admits a whole domain
      if (!/^[^\s@]*@[^\s@]+\.[^\s@]+$/.test(e) && !/^@[^\s@]+$/.test(e)) {
        this.problems.push(`${name} contains ${JSON.stringify(e)}, which is neither an e-mail nor an @domain`)
      }
    }
    return list
  }
}

/** `RTX4070` → { id: 'rtx-4070', name: 'RTX 4070' }; `A100` → { id: 'a100', name: 'A100' } */
export function gpuModelFromEnvName(model: string): { id: string; name: string } {
  const m = /^([A-Z]{2,})_?(\d[A-Z0-9_]*)$/.exec(model)
  if (m)
    return {
      id: `${m[1]}-${m[2]}`.toLowerCase().replaceAll('_', '-'),
      name: `${m[1]} ${m[2]!.replaceAll('_', ' ')}`,
    }
  return { id: model.toLowerCase().replaceAll('_', '-'), name: model.replaceAll('_', ' ') }
}

export function parseGpuList(value: string): GpuDevice[] | string {
  const devices: GpuDevice[] = []
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9-]{1,64}):([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)$/.exec(part)
    if (!m) return `entry ${JSON.stringify(part)} must look like <device-id>:<gpu-type>, e.g. 0:rtx-4090`
    if (devices.some((d) => d.deviceId === m[1])) return `device ${m[1]} is listed twice`
    devices.push({ deviceId: m[1]!, gpuType: m[2]! })
  }
  return devices
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const DNS_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return ''
  }
}

function kubernetesConfig(r: Reader, publicUrl: string): KubernetesConfig {
  const namespace = r.raw('NEUROPOD_NAMESPACE') ?? r.raw('NAMESPACE') ?? 'neuropod'
  if (!DNS_LABEL.test(namespace))
    r.problems.push(`NEUROPOD_NAMESPACE=${JSON.stringify(namespace)} must be a Kubernetes namespace name`)
  const nameList = (variable: string) => {
    const list = (r.raw(variable) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    for (const n of list)
      if (!DNS_NAME.test(n)) r.problems.push(`${variable} contains ${JSON.stringify(n)}, not an object name`)
    return list
  }
  const objectName = (variable: string) => {
    const v = r.optional(variable)
    if (v !== null && !DNS_NAME.test(v))
      r.problems.push(`${variable}=${JSON.stringify(v)} is not an object name`)
    return v
  }
  const storageClass = objectName('STORAGE_CLASS')
  const tlsSecretName = objectName('TLS_SECRET_NAME')
  const ingressClass = objectName('INGRESS_CLASS')
  const clusterDomain = r.string('NEUROPOD_K8S_CLUSTER_DOMAIN', 'cluster.local')
  if (!DNS_NAME.test(clusterDomain))
    r.problems.push(`NEUROPOD_K8S_CLUSTER_DOMAIN=${JSON.stringify(clusterDomain)} must be a DNS name`)
  let profiles = DEFAULT_PROFILES
  const rawProfiles = r.raw('NEUROPOD_K8S_PROFILES')
  if (rawProfiles !== undefined) {
    const parsed = parseProfiles(rawProfiles)
    if ('problems' in parsed) for (const p of parsed.problems) r.problems.push(`NEUROPOD_K8S_PROFILES: ${p}`)
    else profiles = parsed.profiles
  }
  const internalUrl = r.url('NEUROPOD_INTERNAL_URL', publicUrl)!.replace(/\/+$/, '')
  // Pod hosts reach the platform through an ExternalName Service, which takes a DNS name only.
  if (r.raw('NEUROPOD_RUNTIME') === 'kubernetes' && isIP(hostnameOf(internalUrl)) !== 0)
    r.problems.push(
      `NEUROPOD_INTERNAL_URL=${JSON.stringify(internalUrl)} must name the platform by a DNS name (its Service, say http://neuropod.neuropod-system.svc:3000), not an IP address`,
    )
  return {
    kubeconfig: r.optional('KUBECONFIG'),
    inCluster: r.raw('KUBERNETES_SERVICE_HOST') !== undefined,
    namespace,
    storageClass,
    volumeAccessMode: r.oneOf(
      'NEUROPOD_K8S_VOLUME_ACCESS_MODE',
      ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'] as const,
      'ReadWriteOnce',
    )!,
    ingressClass: ingressClass ?? 'nginx',
    tlsSecretName,
    internalUrl,
    profiles,
    tcpExposure: r.oneOf('NEUROPOD_K8S_TCP_EXPOSURE', ['nodeport', 'loadbalancer'] as const, 'nodeport')!,
    tcpHost: r.optional('NEUROPOD_K8S_TCP_HOST'),
    probeVia: r.oneOf('NEUROPOD_K8S_PROBE_VIA', ['service', 'pod-ip'] as const, 'service')!,
    clusterDomain,
    allowRoot: r.bool('NEUROPOD_K8S_ALLOW_ROOT', false),
    runAsUser: r.int('NEUROPOD_K8S_RUN_AS_USER', 1000, 1, 2147483647),
    fsGroup: r.int('NEUROPOD_K8S_FS_GROUP', 1000, 0, 2147483647),
    imagePullSecrets: nameList('NEUROPOD_K8S_IMAGE_PULL_SECRETS'),
    networkPolicy: r.bool('NEUROPOD_K8S_NETWORK_POLICY', true),
    ingressNamespaceSelector: r.selector('NEUROPOD_K8S_INGRESS_NAMESPACE_SELECTOR', {
      'kubernetes.io/metadata.name': 'ingress-nginx',
    })!,
    controlPlaneNamespaceSelector: r.selector('NEUROPOD_K8S_CONTROL_PLANE_NAMESPACE_SELECTOR', null),
    resyncSeconds: r.int('NEUROPOD_K8S_RESYNC_SECONDS', 600, 10, 86400),
  }
}

function metricsConfig(r: Reader): MetricsConfig {
  const token = r.optional('NEUROPOD_METRICS_TOKEN')
  if (token !== null && token.length < 16)
    r.problems.push('NEUROPOD_METRICS_TOKEN must have at least 16 characters')
  return {
    intervalSeconds: r.int('NEUROPOD_METRICS_INTERVAL_SECONDS', 10, 1, 3600),
    rawRetentionMinutes: r.int('NEUROPOD_METRICS_RAW_RETENTION_MINUTES', 60, 5, 1440),
    minuteRetentionDays: r.int('NEUROPOD_METRICS_RETENTION_DAYS', 7, 1, 90),
    dcgmExporterUrl: r.url('NEUROPOD_DCGM_EXPORTER_URL', null),
    token,
  }
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const r = new Reader(env)
  const port = r.int('PORT', 3000, 0, 65535)
  const podDomain = (r.raw('POD_DOMAIN') ?? r.raw('DOMAIN_SUFFIX') ?? 'localhost').toLowerCase()
  if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(podDomain)) {
    r.problems.push(`POD_DOMAIN=${JSON.stringify(podDomain)} must be a DNS name such as pods.example.org`)
  }
  const publicUrl = r.url('PUBLIC_URL', `http://localhost:${port}`)!.replace(/\/+$/, '')

  let gpus: GpuDevice[] | null = null
  const gpuList = r.raw('NEUROPOD_GPUS')
  if (gpuList !== undefined) {
    const parsed = parseGpuList(gpuList)
    if (typeof parsed === 'string') r.problems.push(`NEUROPOD_GPUS: ${parsed}`)
    else gpus = parsed
  }

  const ipAddress = (name: string, fallback: string): string => {
    const v = r.string(name, fallback)
    if (isIP(v) === 0)
      r.problems.push(`${name}=${JSON.stringify(v)} must be an IP address such as 127.0.0.1 or 0.0.0.0`)
    return v
  }
  const bindAddress = ipAddress('NEUROPOD_DOCKER_BIND_ADDRESS', '127.0.0.1')
  const tcpBindAddress = ipAddress('NEUROPOD_DOCKER_TCP_BIND_ADDRESS', bindAddress)
  const tcpHost = r.optional('NEUROPOD_DOCKER_TCP_HOST')
  if (tcpHost !== null && !/^[A-Za-z0-9.:-]{1,253}$/.test(tcpHost))
    r.problems.push(
      `NEUROPOD_DOCKER_TCP_HOST=${JSON.stringify(tcpHost)} must be a host name or an IP address`,
    )
  let limits: ResourceLimits = {}
  const limitList = r.raw('NEUROPOD_DOCKER_LIMITS')
  if (limitList !== undefined) {
    const parsed = parseResourceLimits(limitList)
    if (typeof parsed === 'string') r.problems.push(`NEUROPOD_DOCKER_LIMITS: ${parsed}`)
    else limits = parsed
  }
  const dockerHost = r.url('DOCKER_HOST', null)
  if (dockerHost && !/^(unix|tcp|http|https):/.test(dockerHost))
    r.problems.push(
      `DOCKER_HOST=${JSON.stringify(dockerHost)} must be unix:///path/to/socket or tcp://host:port`,
    )

  const gpuPrices: Record<string, { name: string; price: number }> = {}
  for (const [key, value] of Object.entries(env)) {
    const m = /^GPU_([A-Z0-9_]+)_PRICE$/.exec(key)
    if (!m || value === undefined || value.trim() === '') continue
    const price = r.number(key, null, 0, 100000)
    if (price === null) continue
    const { id, name } = gpuModelFromEnvName(m[1]!)
    gpuPrices[id] = { name, price }
  }

  const adminEmail = r.string('NEUROPOD_ADMIN_EMAIL', 'admin@neuropod.local').toLowerCase()
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail))
    r.problems.push(`NEUROPOD_ADMIN_EMAIL=${JSON.stringify(adminEmail)} is not an e-mail`)
  const adminPassword = r.optional('NEUROPOD_ADMIN_PASSWORD')
  if (adminPassword !== null && adminPassword.length < 8)
    r.problems.push('NEUROPOD_ADMIN_PASSWORD must have at least 8 characters')
  const secret = r.optional('NEUROPOD_SECRET')
  if (secret !== null && secret.length < 32)
    r.problems.push('NEUROPOD_SECRET must have at least 32 characters')
  const databaseUrl = r.url('DATABASE_URL', null)
  if (databaseUrl && !/^postgres(ql)?:/.test(databaseUrl))
    r.problems.push('DATABASE_URL must be a postgres:// URL')

  const config: Config = {
    env: r.string('NODE_ENV', 'development'),
    host: r.string('HOST', '0.0.0.0'),
    port,
    publicUrl,
    podDomain,
    trustProxy: r.bool('NEUROPOD_TRUST_PROXY', false),
    logLevel: r.oneOf(
      'NEUROPOD_LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    )!,
    dataDir: path.resolve(cwd, r.string('NEUROPOD_DATA_DIR', './data')),
    databaseUrl,
    secret,
    webDist: r.optional('NEUROPOD_WEB_DIST'),
    runtime: r.oneOf('NEUROPOD_RUNTIME', ['docker', 'kubernetes', 'simulated'] as const, null),
    docker: {
      socketPath: r.optional('NEUROPOD_DOCKER_SOCKET'),
      host: dockerHost,
      xdgRuntimeDir: r.optional('XDG_RUNTIME_DIR'),
      tls: { verify: r.bool('DOCKER_TLS_VERIFY', false), certPath: r.optional('DOCKER_CERT_PATH') },
      bindAddress,
      tcpBindAddress,
      tcpHost,
      gpus,
      gpuMode: r.oneOf('NEUROPOD_DOCKER_GPU_MODE', ['nvidia', 'cdi', 'env'] as const, 'nvidia')!,
      limits,
      stopTimeoutSeconds: r.int('NEUROPOD_DOCKER_STOP_TIMEOUT_SECONDS', 10, 0, 3600),
      diskQuota: r.bool('NEUROPOD_DOCKER_DISK_QUOTA', false),
    },
    kubernetes: kubernetesConfig(r, publicUrl),
    cleanupOrphans: r.bool('NEUROPOD_CLEANUP_ORPHANS', false),
    auth: {
      adminEmail,
      adminPassword,
      adminEmails: r.emails('ADMIN_EMAILS'),
      allowedEmails: r.emails('ALLOWED_EMAILS'),
      devLogin: r.bool('NEUROPOD_DEV_LOGIN', false),
      googleClientId: r.optional('GOOGLE_CLIENT_ID'),
      googleIssuers: (r.raw('NEUROPOD_GOOGLE_ISSUERS') ?? 'https://accounts.google.com,accounts.google.com')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      googleJwksUrl: r.url('NEUROPOD_GOOGLE_JWKS_URL', 'https://www.googleapis.com/oauth2/v3/certs')!,
      sessionTtlHours: r.int('NEUROPOD_SESSION_TTL_HOURS', 168, 1, 24 * 365),
      loginRateLimit: {
        max: r.int('NEUROPOD_LOGIN_RATE_LIMIT', 10, 1, 100000),
        windowSeconds: r.int('NEUROPOD_LOGIN_RATE_WINDOW_SECONDS', 900, 1, 86400),
      },
    },
    pricingSeed: {
      gpuPrices,
      containerDiskPrice: r.number('CONTAINER_DISK_PRICE', null, 0, 1000),
      volumeDiskPrice: r.number('VOLUME_DISK_PRICE', null, 0, 1000),
    },
    meter: { intervalSeconds: r.int('NEUROPOD_METER_INTERVAL_SECONDS', 60, 1, 3600) },
    reconciler: {
      intervalSeconds: r.int('NEUROPOD_RECONCILE_INTERVAL_SECONDS', 30, 1, 3600),
      readinessGraceSeconds: r.int('NEUROPOD_READINESS_GRACE_SECONDS', 120, 0, 86400),
    },
    simulation: {
      createDelayMs: r.int('NEUROPOD_SIM_CREATE_DELAY_MS', 1500, 0, 600000),
      startDelayMs: r.int('NEUROPOD_SIM_START_DELAY_MS', 1500, 0, 600000),
    },
    proxy: {
      port: r.raw('NEUROPOD_PROXY_PORT') === undefined ? null : r.int('NEUROPOD_PROXY_PORT', 0, 0, 65535),
      host: r.string('NEUROPOD_PROXY_HOST', r.string('HOST', '0.0.0.0')),
      ticketTtlSeconds: r.int('NEUROPOD_PROXY_TICKET_TTL_SECONDS', 60, 5, 600),
      activityFlushMs: r.int('NEUROPOD_PROXY_ACTIVITY_FLUSH_MS', 5000, 50, 300_000),
      connectTimeoutMs: r.int('NEUROPOD_PROXY_CONNECT_TIMEOUT_MS', 10_000, 100, 120_000),
    },
    idle: {
      intervalSeconds: r.int('NEUROPOD_IDLE_INTERVAL_SECONDS', 60, 1, 3600),
      cpuThresholdPercent: r.int('NEUROPOD_IDLE_CPU_PERCENT', 10, 1, 100_000),
      gpuThresholdPercent: r.int('NEUROPOD_IDLE_GPU_PERCENT', 10, 1, 100),
    },
    ssh: {
      // On by default only for development (`npm start`, `npm run dev`): a production server
      // opens no extra port unless told to, and test servers pick their own.
      port:
        r.raw('NEUROPOD_SSH_PORT') === undefined
          ? r.string('NODE_ENV', 'development') === 'development'
            ? 2222
            : null
          : r.raw('NEUROPOD_SSH_PORT')?.toLowerCase() === 'off'
            ? null
            : r.int('NEUROPOD_SSH_PORT', 2222, 0, 65535),
      required: r.raw('NEUROPOD_SSH_PORT') !== undefined,
      host: r.string('NEUROPOD_SSH_HOST', r.string('HOST', '0.0.0.0')),
      publicHost: r.optional('NEUROPOD_SSH_PUBLIC_HOST'),
      hostKeyFile: r.optional('NEUROPOD_SSH_HOST_KEY_FILE'),
    },
    corsOrigins: corsOrigins(r),
    metrics: metricsConfig(r),
    volumes: {
      sharing: r.bool('NEUROPOD_VOLUME_SHARING', false),
      maxTransferBytes: r.int('NEUROPOD_VOLUME_MAX_TRANSFER_MB', 1024, 1, 1024 * 1024) * 1024 * 1024,
      riskAfterHours: r.int('NEUROPOD_VOLUME_RISK_AFTER_HOURS', 72, 1, 24 * 365),
    },
  }
  if (
    config.ssh.port !== null &&
    config.ssh.port !== 0 &&
    [port, config.proxy.port].includes(config.ssh.port)
  )
    r.problems.push(`NEUROPOD_SSH_PORT=${config.ssh.port} must differ from PORT and NEUROPOD_PROXY_PORT`)
  if (config.proxy.port !== null && config.proxy.port !== 0 && config.proxy.port === port)
    r.problems.push(`NEUROPOD_PROXY_PORT=${config.proxy.port} must differ from PORT`)
  if (r.problems.length > 0) throw new ConfigError(r.problems)
  return config
}

/**
 * NEUROPOD_CORS_ORIGINS: exact origins, comma-separated. `*` is refused rather than downgraded: the
 * API authenticates with cookies and bearer tokens, and a wildcard would either hand every site the
 * signed-in user's API (with credentials) or silently break the clients that need credentials.
 */
function corsOrigins(r: Reader): string[] {
  const name = 'NEUROPOD_CORS_ORIGINS'
  const raw = r.raw(name)
  if (raw === undefined) return []
  const origins: string[] = []
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const origin = parseOrigin(entry)
    if (origin === null) {
      r.problems.push(
        entry === '*'
          ? `${name} must list origins: "*" is refused because the API answers with credentials (cookies, Authorization)`
          : `${name} contains ${JSON.stringify(entry)}, which is not an origin like https://app.example.com or http://localhost:5173`,
      )
      continue
    }
    if (!origins.includes(origin)) origins.push(origin)
  }
  return origins
}

/** `https://App.example.com:443/` → `https://app.example.com` (as browsers send it); null if not an http(s) origin. */
function parseOrigin(entry: string): string | null {
  try {
    const u = new URL(entry)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null
    if (u.pathname !== '/' || u.search || u.hash || u.username || u.password) return null
    return u.origin
  } catch {
    return null
  }
}
