import fs from 'node:fs'
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  KubeConfig,
  Log,
  NetworkingV1Api,
  ServerConfiguration,
  VersionApi,
  Watch,
} from '@kubernetes/client-node'

/**
 * The only module that knows how to reach the cluster: kubeconfig or in-cluster service account,
 * API clients with a per-request timeout, and one error type.
 *
 * @kubernetes/client-node 1.x: methods take one object parameter, return the object itself (no
 * `{ body }`), and throw `ApiException` whose HTTP status is `.code` (not `.statusCode`: code that
 * reads it never sees a 404). `kubeError` turns all of that, and network
 * failures, into KubeApiError with `.code`, the Status `.reason` and a readable message.
 */

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'
const REQUEST_TIMEOUT_MS = 15_000

export interface KubeClients {
  kc: KubeConfig
  server: string
  core: CoreV1Api
  networking: NetworkingV1Api
  custom: CustomObjectsApi
  version: VersionApi
  watch: Watch
  log: Log
  /** Requests sent through the typed clients since start (watches and log streams excluded) */
  requestCount(): number
}

export interface ConnectionSettings {
  kubeconfig: string | null
  inCluster: boolean
}

/** Whether this process can talk to a cluster at all: a kubeconfig, or a pod's service account. */
export function kubernetesConfigured(settings: ConnectionSettings): boolean {
  if (settings.kubeconfig) return settings.kubeconfig.split(':').some((p) => p && fs.existsSync(p))
  return settings.inCluster && fs.existsSync(`${SERVICE_ACCOUNT_DIR}/token`)
}

/** The namespace of this pod's service account (in-cluster), used as the control plane's namespace. */
export function serviceAccountNamespace(): string | null {
  try {
    return fs.readFileSync(`${SERVICE_ACCOUNT_DIR}/namespace`, 'utf8').trim() || null
  } catch {
    return null
  }
}

export function loadKubeConfig(settings: ConnectionSettings): KubeConfig {
  const kc = new KubeConfig()
  if (settings.kubeconfig) {
    // KUBECONFIG may list several files; like kubectl, the first existing one sets the context.
    const file = settings.kubeconfig.split(':').find((p) => p && fs.existsSync(p))
    if (!file) throw new Error(`KUBECONFIG=${settings.kubeconfig}: no such file`)
    kc.loadFromFile(file)
  } else if (settings.inCluster) {
    kc.loadFromCluster()
  } else {
    throw new Error('No cluster configured: set KUBECONFIG, or run inside a pod with a service account')
  }
  if (!kc.getCurrentCluster()) throw new Error('The kubeconfig has no current cluster')
  return kc
}

export function createClients(kc: KubeConfig, timeoutMs = REQUEST_TIMEOUT_MS): KubeClients {
  const cluster = kc.getCurrentCluster()!
  let requests = 0
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (context) => {
          requests++
          // No call may hang the reconciler: node-fetch has no timeout of its own.
          context.setSignal(AbortSignal.timeout(timeoutMs))
          return context
        },
        post: async (context) => context,
      },
    ],
  })
  return {
    kc,
    server: cluster.server,
    core: new CoreV1Api(configuration),
    networking: new NetworkingV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    version: new VersionApi(configuration),
    watch: new Watch(kc),
    log: new Log(kc),
    requestCount: () => requests,
  }
}

export class KubeApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the API server was not reached */
    readonly code: number,
    /** Status reason: NotFound, AlreadyExists, Conflict, Expired, Invalid, Forbidden… */
    readonly reason: string | null,
  ) {
    super(message)
    this.name = 'KubeApiError'
  }
}

interface StatusBody {
  message?: string
  reason?: string
  code?: number
}

/** Normalises anything a client-node call throws. `action` says what we tried, e.g. "create Pod np-…". */
export function kubeError(error: unknown, action: string): KubeApiError {
  if (error instanceof KubeApiError) return error
  if (error instanceof ApiException) {
    const body = parseStatus(error.body)
    const detail = body?.message ?? httpText(error.code)
    return new KubeApiError(`${action}: ${detail} (HTTP ${error.code})`, error.code, body?.reason ?? null)
  }
  const e = error as { statusCode?: number; code?: number | string; name?: string; message?: string }
  if (typeof e?.statusCode === 'number')
    return new KubeApiError(`${action}: HTTP ${e.statusCode}`, e.statusCode, null)
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError')
    return new KubeApiError(`${action}: the Kubernetes API did not answer in time`, 0, 'Timeout')
  const message = e?.message ?? String(error)
  return new KubeApiError(`${action}: Kubernetes API unreachable (${message})`, 0, null)
}

function parseStatus(body: unknown): StatusBody | null {
  if (typeof body === 'object' && body !== null) return body as StatusBody
  if (typeof body !== 'string' || !body) return null
  try {
    const parsed = JSON.parse(body) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as StatusBody) : null
  } catch {
    return { message: body.slice(0, 300) }
  }
}

function httpText(code: number): string {
  return code === 404 ? 'not found' : code === 403 ? 'forbidden' : code === 409 ? 'conflict' : 'error'
}

/** Runs one API call, normalising its failure. */
export async function kube<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw kubeError(error, action)
  }
}

export const isNotFound = (error: unknown): boolean => error instanceof KubeApiError && error.code === 404
export const isAlreadyExists = (error: unknown): boolean =>
  error instanceof KubeApiError && error.code === 409 && error.reason !== 'Conflict'
export const isConflict = (error: unknown): boolean =>
  error instanceof KubeApiError && error.code === 409 && error.reason === 'Conflict'
export const isGone = (error: unknown): boolean => error instanceof KubeApiError && error.code === 410

/** JSON with object keys sorted: client-node serialises fields in its own order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  )
}

/** Typed results carry Date objects; watch events carry strings. Everything cached is plain JSON. */
export function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T
}
