import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { Event as EventModel } from 'kubernetes-models/v1/Event'
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim'
import { Pod } from 'kubernetes-models/v1/Pod'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { FakeExecEndpoint } from './kube-exec.js'

/**
 * A fake Kubernetes API server for tests and benchmarks: plain HTTP, reached through a real
 * kubeconfig by @kubernetes/client-node, with the semantics the adapter relies on:
 *
 * - create (409 AlreadyExists), get (404 NotFound), update with optimistic concurrency (409
 *   Conflict on a stale resourceVersion), delete (graceful for pods, PVC protection while a pod
 *   uses the claim) with garbage collection of dependents through ownerReferences;
 * - list and watch with label selectors (=, ==, !=, exists, !exists, in, notin) and field
 *   selectors; one global resourceVersion; watches resume from a resourceVersion, replaying a
 *   bounded history, and get a 410 Expired ERROR event when it is older than the history;
 *   server-side watch timeouts and bookmarks;
 * - pod logs (tail, timestamps, follow), metrics.k8s.io pod metrics (switchable), /version;
 * - `pods/exec` over WebSocket with the real channel protocol (v5/v4.channel.k8s.io), running
 *   the command as a local process in a directory per pod (see kube-exec.ts);
 * - every object written is validated against the Kubernetes JSON schemas (kubernetes-models)
 *   and the API's name rules; failures answer 422 and are kept in `validationErrors`;
 * - a kubelet and scheduler stand-in: in `auto` mode pods are scheduled against the registered
 *   nodes (node selector, taints, extended resources such as nvidia.com/gpu), pulled, started and
 *   reported through events, as a cluster would; tests drive anything else by hand (image pull
 *   failures, exits, OOM kills, deletions);
 * - a count of every request, for the benchmark and the "no polling" tests.
 */

// biome-ignore lint/suspicious/noExplicitAny: the fake stores arbitrary Kubernetes JSON
export type Obj = Record<string, any>

interface ResourceType {
  group: string
  version: string
  kind: string
  namespaced: boolean
  validate?: (obj: Obj) => void
  /** Fields the API accepts in field selectors besides metadata.name and metadata.namespace */
  fields?: string[]
}

const validator =
  <T extends { validate(): void }>(Model: new (data: never) => T) =>
  (obj: Obj) =>
    new Model(obj as never).validate()

const RESOURCES: Record<string, ResourceType> = {
  pods: {
    group: '',
    version: 'v1',
    kind: 'Pod',
    namespaced: true,
    validate: validator(Pod),
    fields: ['spec.nodeName', 'status.phase', 'spec.restartPolicy'],
  },
  services: { group: '', version: 'v1', kind: 'Service', namespaced: true, validate: validator(Service) },
  secrets: {
    group: '',
    version: 'v1',
    kind: 'Secret',
    namespaced: true,
    validate: validator(Secret),
    fields: ['type'],
  },
  persistentvolumeclaims: {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    validate: validator(PersistentVolumeClaim),
  },
  events: {
    group: '',
    version: 'v1',
    kind: 'Event',
    namespaced: true,
    validate: validator(EventModel),
    fields: [
      'involvedObject.kind',
      'involvedObject.name',
      'involvedObject.namespace',
      'involvedObject.uid',
      'reason',
      'type',
    ],
  },
  nodes: { group: '', version: 'v1', kind: 'Node', namespaced: false, fields: ['spec.unschedulable'] },
  ingresses: {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    namespaced: true,
    validate: validator(Ingress),
  },
  networkpolicies: {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    namespaced: true,
    validate: validator(NetworkPolicy),
  },
}

export interface RequestRecord {
  at: number
  method: string
  verb:
    | 'get'
    | 'list'
    | 'watch'
    | 'create'
    | 'update'
    | 'delete'
    | 'log'
    | 'exec'
    | 'metrics'
    | 'version'
    | 'other'
  resource: string | null
  namespace: string | null
  name: string | null
  path: string
}

interface HistoryEntry {
  rv: number
  resource: string
  namespace: string | null
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  object: Obj
}

interface Watcher {
  resource: string
  namespace: string | null
  labels: Requirement[]
  fields: FieldRequirement[]
  res: http.ServerResponse
  bookmarks: boolean
  timer: NodeJS.Timeout | null
}

export interface FakeNode {
  name: string
  labels?: Record<string, string>
  allocatable?: Record<string, string>
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule' }[]
  ready?: boolean
  unschedulable?: boolean
}

export interface FakeKubeOptions {
  /** Watch events kept for resuming watches; older resourceVersions get 410 Expired */
  historyLimit?: number
  /** How long a graceful pod deletion takes (the kubelet stopping the container) */
  podTerminationMs?: number
  /** `auto`: the fake kubelet schedules and starts pods; `manual`: pods stay Pending for the test */
  kubelet?: 'auto' | 'manual'
  /** Delay between the fake kubelet's steps */
  kubeletStepMs?: number
  /** Address reported as every pod's IP (tests serve pod ports on loopback) */
  podIP?: string
  /** Containers of images containing this text never pass their readiness probe */
  neverReadyImage?: string
  metrics?: boolean
  namespaces?: string[]
  /** Garbage collector delay after an owner disappears */
  gcDelayMs?: number
  /**
   * StorageClasses by name and whether they allow volume expansion. When given, claims without a
   * class get `defaultStorageClass`, and a claim may grow only when its class allows expansion (the
   * PersistentVolumeClaimResize admission plugin's 403 otherwise); without it, claims grow freely.
   */
  storageClasses?: Record<string, { allowVolumeExpansion: boolean }>
  defaultStorageClass?: string
}

const TOKEN = 'fake-kube-token'

export class FakeKubeApiServer {
  readonly requests: RequestRecord[] = []
  readonly validationErrors: string[] = []
  private readonly store = new Map<string, Map<string, Obj>>()
  private readonly history: HistoryEntry[] = []
  private readonly watchers = new Set<Watcher>()
  private readonly logs = new Map<string, { ts: string; line: string }[]>()
  private readonly logFollowers = new Map<string, Set<http.ServerResponse>>()
  private readonly metricsByPod = new Map<string, { cpu: string; memory: string }>()
  private readonly pullFailures: { pattern: RegExp; message: string }[] = []
  private readonly eventIndex = new Map<string, string>()
  private readonly namespaces: Set<string>
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly server: http.Server
  /** `pods/exec`: the processes it runs and the protocols it speaks */
  readonly exec: FakeExecEndpoint
  private rv = 100
  /** Oldest resourceVersion a watch may resume from */
  private compactedRv = 100
  private nextNodePort = 30000
  private nextClusterIp = 10
  private available = true
  private dir: string | null = null
  url = ''
  kubeconfigPath = ''
  kubelet: 'auto' | 'manual'
  metricsEnabled: boolean

  constructor(private readonly options: FakeKubeOptions = {}) {
    this.kubelet = options.kubelet ?? 'auto'
    this.metricsEnabled = options.metrics ?? false
    this.namespaces = new Set(options.namespaces ?? ['default', 'neuropod'])
    for (const r of Object.keys(RESOURCES)) this.store.set(r, new Map())
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.status(res, 500, 'InternalError', String(error))
        else res.end()
      })
    })
    this.exec = new FakeExecEndpoint((pod) => path.join(this.dir ?? os.tmpdir(), 'containers', pod))
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head))
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const { port } = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}`
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-kube-'))
    this.kubeconfigPath = path.join(this.dir, 'kubeconfig')
    // JSON is YAML: client-node's loadFromFile reads it as a kubeconfig.
    fs.writeFileSync(
      this.kubeconfigPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // client-node 1.x refuses plain http unless TLS verification is declared off.
        clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'fake', user: { token: TOKEN } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'neuropod' } }],
        'current-context': 'fake',
      }),
    )
    return this
  }

  async close(): Promise<void> {
    this.exec.close()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.dropWatches()
    for (const set of this.logFollowers.values()) for (const r of set) r.end()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true })
  }

  // ================================================================ test controls

  get resourceVersion(): number {
    return this.rv
  }

  countRequests(
    filter: Partial<Pick<RequestRecord, 'verb' | 'resource' | 'method'>> = {},
    since = 0,
  ): number {
    return this.requests.filter(
      (r) =>
        r.at >= since &&
        (!filter.verb || r.verb === filter.verb) &&
        (!filter.resource || r.resource === filter.resource) &&
        (!filter.method || r.method === filter.method),
    ).length
  }

  resetRequests(): void {
    this.requests.length = 0
  }

  get(resource: string, name: string, namespace = 'neuropod'): Obj | undefined {
    const obj = this.bucket(resource).get(this.key(resource, namespace, name))
    return obj ? clone(obj) : undefined
  }

  list(resource: string, namespace: string | null = 'neuropod'): Obj[] {
    return [...this.bucket(resource).values()]
      .filter((o) => namespace === null || o.metadata?.namespace === namespace)
      .map(clone)
  }

  addNamespace(name: string): void {
    this.namespaces.add(name)
  }

  addNode(node: FakeNode): void {
    const obj: Obj = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, ...(node.labels ?? {}) } },
      spec: {
        ...(node.unschedulable ? { unschedulable: true } : {}),
        ...(node.taints ? { taints: node.taints } : {}),
      },
      status: {
        allocatable: { cpu: '64', memory: '256Gi', pods: '250', ...(node.allocatable ?? {}) },
        capacity: { cpu: '64', memory: '256Gi', pods: '250', ...(node.allocatable ?? {}) },
        conditions: [{ type: 'Ready', status: node.ready === false ? 'False' : 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      },
    }
    this.insert('nodes', null, obj)
    this.retryUnschedulable()
  }

  /** Seeds an object as if someone had created it earlier (bypasses the request path). */
  seed(resource: string, obj: Obj, createdAt?: Date): Obj {
    const namespace = RESOURCES[resource]!.namespaced ? (obj.metadata?.namespace ?? 'neuropod') : null
    const copy = clone(obj)
    if (createdAt) copy.metadata = { ...copy.metadata, creationTimestamp: isoSeconds(createdAt) }
    return this.insert(resource, namespace, copy)
  }

  /** Changes an object in place, as `kubectl edit` would. */
  edit(resource: string, name: string, change: (obj: Obj) => void, namespace = 'neuropod'): void {
    this.mutate(resource, RESOURCES[resource]!.namespaced ? namespace : '', name, change)
  }

  /** Makes image pulls of matching images fail (ErrImagePull, then ImagePullBackOff). */
  failPulls(pattern: RegExp, message = 'manifest unknown'): void {
    this.pullFailures.push({ pattern, message })
  }

  /** Runs the fake kubelet's steps for one pod now (manual mode). */
  runPod(name: string, namespace = 'neuropod'): void {
    this.kubeletSchedule(namespace, name, true)
  }

  schedulePod(name: string, namespace = 'neuropod'): void {
    this.kubeletSchedule(namespace, name, false)
  }

  /** The container ends: phase Failed (or Succeeded for exit 0), as with restartPolicy Never. */
  terminate(
    name: string,
    result: { exitCode: number; reason?: string; message?: string },
    namespace = 'neuropod',
  ): void {
    this.mutate('pods', namespace, name, (pod) => {
      const started = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? isoSeconds(new Date())
      const never = (pod.spec.restartPolicy ?? 'Always') === 'Never'
      const terminated = {
        exitCode: result.exitCode,
        reason: result.reason ?? (result.exitCode === 0 ? 'Completed' : 'Error'),
        ...(result.message ? { message: result.message } : {}),
        startedAt: started,
        finishedAt: isoSeconds(new Date()),
      }
      const container = pod.status.containerStatuses?.[0] ?? {
        name: 'main',
        image: pod.spec.containers[0].image,
      }
      if (never) {
        pod.status.phase = result.exitCode === 0 ? 'Succeeded' : 'Failed'
        pod.status.containerStatuses = [
          { ...container, ready: false, restartCount: 0, state: { terminated } },
        ]
      } else {
        pod.status.containerStatuses = [
          {
            ...container,
            ready: false,
            restartCount: (container.restartCount ?? 0) + 1,
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' },
            },
            lastState: { terminated },
          },
        ]
      }
    })
    this.endLogFollowers(namespace, name)
    if (result.reason === 'OOMKilled')
      this.event(
        namespace,
        'Pod',
        name,
        'Warning',
        'OOMKilling',
        'Memory cgroup out of memory: killed process',
      )
    this.retryUnschedulable()
  }

  setWaiting(name: string, reason: string, message: string, namespace = 'neuropod'): void {
    this.mutate('pods', namespace, name, (pod) => {
      const container = pod.status.containerStatuses?.[0] ?? {
        name: 'main',
        image: pod.spec.containers[0].image,
      }
      pod.status.containerStatuses = [{ ...container, ready: false, state: { waiting: { reason, message } } }]
    })
  }

  /** Deletes an object the way `kubectl delete` would (graceful for pods, with garbage collection). */
  deleteByHand(resource: string, name: string, namespace = 'neuropod'): void {
    this.deleteObject(resource, namespace, name, {
      propagationPolicy: 'Background',
      gracePeriodSeconds: null,
    })
  }

  setLoadBalancerIngress(serviceName: string, ip: string, namespace = 'neuropod'): void {
    this.mutate('services', namespace, serviceName, (svc) => {
      svc.status = { loadBalancer: { ingress: [{ ip }] } }
    })
  }

  appendLogs(podName: string, lines: string[], namespace = 'neuropod'): void {
    const key = `${namespace}/${podName}`
    const list = this.logs.get(key) ?? []
    this.logs.set(key, list)
    for (const line of lines) {
      const entry = { ts: new Date().toISOString().replace('Z', '000000Z'), line }
      list.push(entry)
      for (const res of this.logFollowers.get(key) ?? []) res.write(`${entry.ts} ${entry.line}\n`)
    }
  }

  setPodMetrics(podName: string, usage: { cpu: string; memory: string }): void {
    this.metricsByPod.set(podName, usage)
  }

  event(
    namespace: string,
    kind: string,
    name: string,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ) {
    const involved = this.bucket(kind === 'Pod' ? 'pods' : 'persistentvolumeclaims').get(
      this.key(kind === 'Pod' ? 'pods' : 'persistentvolumeclaims', namespace, name),
    )
    const now = isoSeconds(new Date())
    // Like the kubelet's event recorder, a repeat of the same event bumps its count.
    const dedupe = `${namespace}/${kind}/${name}/${reason}/${message}`
    const existingKey = this.eventIndex.get(dedupe)
    const existing = existingKey ? this.bucket('events').get(existingKey) : undefined
    if (existingKey && existing) {
      const updated = clone(existing)
      updated.count = (existing.count ?? 1) + 1
      updated.lastTimestamp = now
      this.replace('events', existingKey, updated)
      return
    }
    const eventName = `${name}.${randomBytes(8).toString('hex')}`
    this.eventIndex.set(dedupe, `${namespace}/${eventName}`)
    this.insert('events', namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind,
        name,
        namespace,
        ...(involved ? { uid: involved.metadata.uid } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: kind === 'Pod' ? 'kubelet' : 'persistentvolume-controller' },
    })
  }

  /** Forgets the watch history: any watch resuming from an older resourceVersion gets 410. */
  compact(): void {
    this.history.length = 0
    this.compactedRv = this.rv
  }

  /** Ends every open watch (as an API server restart does). */
  dropWatches(): void {
    for (const w of this.watchers) {
      if (w.timer) clearTimeout(w.timer)
      w.res.end()
    }
    this.watchers.clear()
  }

  /** false: every request gets 503 and open watches end (an API server outage). */
  setAvailable(available: boolean): void {
    this.available = available
    if (!available) this.dropWatches()
  }

  get openWatches(): number {
    return this.watchers.size
  }

  // ================================================================ HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake')
    const route = parseRoute(url.pathname)
    const q = url.searchParams
    const watch = q.get('watch') === 'true' || q.get('watch') === '1'
    const verb = verbOf(req.method ?? 'GET', route, watch)
    this.requests.push({
      at: Date.now(),
      method: req.method ?? 'GET',
      verb,
      resource: route?.resource ?? null,
      namespace: route?.namespace ?? null,
      name: route?.name ?? null,
      path: url.pathname,
    })
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return this.status(res, 401, 'Unauthorized', 'Unauthorized')
    if (!this.available)
      return this.status(
        res,
        503,
        'ServiceUnavailable',
        'the server is currently unable to handle the request',
      )
    if (url.pathname === '/version') {
      return json(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' })
    }
    if (!route) return text(res, 404, '404 page not found')
    if (route.group === 'metrics.k8s.io') return this.metrics(res, route, q)
    const type = RESOURCES[route.resource]
    if (!type || type.group !== route.group || type.version !== route.version)
      return text(res, 404, '404 page not found')
    if (
      type.namespaced !== (route.namespace !== null) &&
      !(route.namespace === null && req.method === 'GET' && !route.name)
    )
      return text(res, 404, '404 page not found')
    const body = ['POST', 'PUT', 'DELETE'].includes(req.method ?? '') ? await readJson(req) : null
    if (body === undefined)
      return this.status(res, 400, 'BadRequest', 'the body of the request is not valid JSON')

    switch (req.method) {
      case 'GET':
        if (route.name && route.sub === 'log') return this.podLog(res, route.namespace!, route.name, q)
        if (route.name && route.sub === 'exec')
          return this.status(res, 400, 'BadRequest', 'Upgrade request required')
        if (route.name) return this.getOne(res, route.resource, route.namespace, route.name)
        return watch
          ? this.watch(req, res, route.resource, route.namespace, q)
          : this.listMany(res, route.resource, route.namespace, q)
      case 'POST':
        if (route.name) return this.status(res, 405, 'MethodNotAllowed', 'POST on an object')
        return this.create(res, route.resource, route.namespace, body!)
      case 'PUT':
        if (!route.name) return this.status(res, 405, 'MethodNotAllowed', 'PUT on a collection')
        return this.update(res, route.resource, route.namespace, route.name, body!)
      case 'DELETE': {
        if (!route.name)
          return this.status(res, 405, 'MethodNotAllowed', 'deletecollection is not supported by the fake')
        const grace = q.get('gracePeriodSeconds') ?? body?.gracePeriodSeconds
        const found = this.deleteObject(route.resource, route.namespace, route.name, {
          propagationPolicy: q.get('propagationPolicy') ?? body?.propagationPolicy ?? 'Background',
          gracePeriodSeconds: grace === undefined || grace === null ? null : Number(grace),
        })
        if (!found) return this.notFound(res, route.resource, route.name)
        return json(res, 200, found)
      }
      default:
        return this.status(res, 405, 'MethodNotAllowed', `${req.method} is not supported by the fake`)
    }
  }

  /** WebSocket upgrades: only `pods/exec` accepts them, as on the real API server. */
  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://fake')
    const route = parseRoute(url.pathname)
    const exec = route?.resource === 'pods' && route.sub === 'exec' && route.namespace && route.name
    this.requests.push({
      at: Date.now(),
      method: req.method ?? 'GET',
      verb: exec ? 'exec' : 'other',
      resource: route?.resource ?? null,
      namespace: route?.namespace ?? null,
      name: route?.name ?? null,
      path: url.pathname,
    })
    const refuse = (code: number, reason: string, message: string) => {
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code,
      })
      socket.end(
        `HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return refuse(401, 'Unauthorized', 'Unauthorized')
    if (!this.available)
      return refuse(503, 'ServiceUnavailable', 'the server is currently unable to handle the request')
    if (!exec) return refuse(400, 'BadRequest', 'Upgrade request required')
    const q = url.searchParams
    const pod = this.bucket('pods').get(`${route.namespace}/${route.name}`)
    if (!pod) return refuse(404, 'NotFound', `pods "${route.name}" not found`)
    const container = q.get('container') ?? pod.spec.containers[0].name
    if (!pod.spec.containers.some((c: Obj) => c.name === container))
      return refuse(400, 'BadRequest', `container ${container} is not valid for pod ${route.name}`)
    const command = q.getAll('command')
    if (command.length === 0) return refuse(400, 'BadRequest', 'you must specify at least 1 command')
    const state = pod.status?.containerStatuses?.find((c: Obj) => c.name === container)?.state
    if (pod.metadata.deletionTimestamp || !state?.running)
      return refuse(400, 'BadRequest', `unable to upgrade connection: container not found ("${container}")`)
    const flag = (name: string) => q.get(name) === 'true' || q.get(name) === '1'
    this.exec.handle(req, socket, head, route!.name!, {
      command,
      container,
      stdin: flag('stdin'),
      stdout: flag('stdout'),
      stderr: flag('stderr'),
      tty: flag('tty'),
    })
  }

  private getOne(res: http.ServerResponse, resource: string, namespace: string | null, name: string) {
    const obj = this.bucket(resource).get(this.key(resource, namespace, name))
    if (!obj) return this.notFound(res, resource, name)
    json(res, 200, obj)
  }

  private listMany(res: http.ServerResponse, resource: string, namespace: string | null, q: URLSearchParams) {
    const selectors = this.selectors(res, resource, q)
    if (!selectors) return
    const items = [...this.bucket(resource).values()].filter(
      (o) =>
        (namespace === null || o.metadata.namespace === namespace) &&
        matchesLabels(o, selectors.labels) &&
        matchesFields(o, selectors.fields),
    )
    json(res, 200, {
      apiVersion: RESOURCES[resource]!.group ? `${RESOURCES[resource]!.group}/v1` : 'v1',
      kind: `${RESOURCES[resource]!.kind}List`,
      metadata: { resourceVersion: String(this.rv) },
      items,
    })
  }

  private selectors(res: http.ServerResponse, resource: string, q: URLSearchParams) {
    try {
      const labels = parseLabelSelector(q.get('labelSelector') ?? '')
      const fields = parseFieldSelector(q.get('fieldSelector') ?? '')
      const allowed = new Set(['metadata.name', 'metadata.namespace', ...(RESOURCES[resource]!.fields ?? [])])
      for (const f of fields)
        if (!allowed.has(f.field)) throw new Error(`field label not supported: ${f.field}`)
      return { labels, fields }
    } catch (error) {
      this.status(res, 400, 'BadRequest', (error as Error).message)
      return null
    }
  }

  private watch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    resource: string,
    namespace: string | null,
    q: URLSearchParams,
  ) {
    const selectors = this.selectors(res, resource, q)
    if (!selectors) return
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
    res.flushHeaders() // as the API server does: the client learns at once that the watch is open
    const watcher: Watcher = {
      resource,
      namespace,
      labels: selectors.labels,
      fields: selectors.fields,
      res,
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      timer: null,
    }
    const send = (type: string, object: Obj) => res.write(`${JSON.stringify({ type, object })}\n`)
    const rvParam = q.get('resourceVersion')
    if (!rvParam || rvParam === '0') {
      // "Start at most recent": synthetic ADDED events for what exists now.
      for (const o of this.bucket(resource).values()) if (this.matches(watcher, o)) send('ADDED', o)
    } else {
      const from = Number(rvParam)
      if (!Number.isFinite(from) || from < this.compactedRv) {
        send('ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${rvParam} (${this.compactedRv})`,
          reason: 'Expired',
          code: 410,
        })
        res.end()
        return
      }
      for (const h of this.history)
        if (h.rv > from && h.resource === resource && this.matches(watcher, h.object)) send(h.type, h.object)
    }
    this.watchers.add(watcher)
    const timeout = Number(q.get('timeoutSeconds') ?? '1800')
    watcher.timer = setTimeout(() => {
      if (watcher.bookmarks)
        send('BOOKMARK', {
          kind: RESOURCES[resource]!.kind,
          apiVersion: 'v1',
          metadata: { resourceVersion: String(this.rv) },
        })
      this.watchers.delete(watcher)
      res.end()
    }, timeout * 1000)
    const stop = () => {
      if (watcher.timer) clearTimeout(watcher.timer)
      this.watchers.delete(watcher)
    }
    req.on('close', stop)
    res.on('close', stop)
  }

  private matches(w: Watcher, o: Obj): boolean {
    return (
      (w.namespace === null || o.metadata?.namespace === w.namespace) &&
      matchesLabels(o, w.labels) &&
      matchesFields(o, w.fields)
    )
  }

  private create(res: http.ServerResponse, resource: string, namespace: string | null, body: Obj) {
    const type = RESOURCES[resource]!
    if (namespace && !this.namespaces.has(namespace))
      return this.status(res, 404, 'NotFound', `namespaces "${namespace}" not found`)
    if (body.metadata?.namespace && body.metadata.namespace !== namespace)
      return this.status(
        res,
        400,
        'BadRequest',
        'the namespace of the object does not match the namespace of the request',
      )
    const name = body.metadata?.name
    if (!name) return this.invalid(res, type.kind, '', ['metadata.name: Required value'])
    if (this.bucket(resource).has(this.key(resource, namespace, name)))
      return this.status(res, 409, 'AlreadyExists', `${resource} "${name}" already exists`, {
        name,
        kind: resource,
      })
    const obj = clone(body)
    obj.apiVersion = type.group ? `${type.group}/${type.version}` : type.version
    obj.kind = type.kind
    defaults(resource, obj, this)
    const problems = this.validate(resource, obj)
    if (problems.length > 0) return this.invalid(res, type.kind, name, problems)
    const stored = this.insert(resource, namespace, obj)
    json(res, 201, stored)
    if (resource === 'pods' && this.kubelet === 'auto')
      this.later(() => this.kubeletSchedule(namespace!, name, true))
  }

  private update(
    res: http.ServerResponse,
    resource: string,
    namespace: string | null,
    name: string,
    body: Obj,
  ) {
    const type = RESOURCES[resource]!
    const key = this.key(resource, namespace, name)
    const current = this.bucket(resource).get(key)
    if (!current) return this.notFound(res, resource, name)
    if (body.metadata?.name !== name)
      return this.status(res, 400, 'BadRequest', 'the name of the object does not match the name on the URL')
    const expected = body.metadata?.resourceVersion
    if (expected && expected !== current.metadata.resourceVersion)
      return this.status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, kind: resource },
      )
    const obj = clone(body)
    obj.apiVersion = current.apiVersion
    obj.kind = current.kind
    obj.metadata = {
      ...obj.metadata,
      uid: current.metadata.uid,
      namespace: current.metadata.namespace,
      creationTimestamp: current.metadata.creationTimestamp,
      ...(current.metadata.deletionTimestamp
        ? { deletionTimestamp: current.metadata.deletionTimestamp }
        : {}),
    }
    if (resource === 'pods' && JSON.stringify(obj.spec) !== JSON.stringify(current.spec))
      return this.invalid(res, type.kind, name, [
        'spec: Forbidden: pod updates may not change fields other than image and a few others',
      ])
    if (resource === 'services') {
      // Allocated values survive an update that leaves them out (the API server's patchAllocatedValues).
      obj.spec.clusterIP ??= current.spec.clusterIP
      obj.spec.clusterIPs ??= current.spec.clusterIPs
      for (const p of obj.spec.ports ?? []) {
        const old = (current.spec.ports ?? []).find((c: Obj) => c.port === p.port)
        if (old?.nodePort && p.nodePort === undefined && obj.spec.type !== 'ClusterIP')
          p.nodePort = old.nodePort
      }
      if (current.spec.clusterIP && obj.spec.clusterIP !== current.spec.clusterIP)
        return this.invalid(res, type.kind, name, ['spec.clusterIP: Invalid value: field is immutable'])
    }
    if (resource === 'secrets') secretDefaults(obj)
    if (resource === 'persistentvolumeclaims') {
      const refusal = this.claimUpdateRefusal(current, obj)
      if (refusal)
        return this.status(res, refusal.code, refusal.reason, refusal.message, { name, kind: type.kind })
    }
    if (current.status) obj.status = current.status // the status subresource is not written through PUT
    // The volume expands online at once: the claim's capacity follows its new request.
    if (resource === 'persistentvolumeclaims' && obj.status)
      obj.status = { ...obj.status, capacity: obj.spec.resources?.requests }
    const problems = this.validate(resource, obj)
    if (problems.length > 0) return this.invalid(res, type.kind, name, problems)
    json(res, 200, this.replace(resource, key, obj))
  }

  private deleteObject(
    resource: string,
    namespace: string | null,
    name: string,
    opts: { propagationPolicy: string; gracePeriodSeconds: number | null },
  ): Obj | null {
    const key = this.key(resource, namespace, name)
    const current = this.bucket(resource).get(key)
    if (!current) return null
    if (resource === 'pods') {
      const immediate =
        opts.gracePeriodSeconds === 0 ||
        !current.spec.nodeName ||
        ['Succeeded', 'Failed'].includes(current.status?.phase) ||
        (this.options.podTerminationMs ?? 10) === 0
      if (!immediate) {
        if (current.metadata.deletionTimestamp) return clone(current)
        const grace = opts.gracePeriodSeconds ?? current.spec.terminationGracePeriodSeconds ?? 30
        const updated = clone(current)
        updated.metadata.deletionTimestamp = isoSeconds(new Date(Date.now() + grace * 1000))
        updated.metadata.deletionGracePeriodSeconds = grace
        const stored = this.replace(resource, key, updated)
        this.event(namespace!, 'Pod', name, 'Normal', 'Killing', 'Stopping container main')
        this.later(
          () => this.remove(resource, key, opts.propagationPolicy),
          this.options.podTerminationMs ?? 10,
        )
        return stored
      }
    }
    if (resource === 'persistentvolumeclaims' && this.claimInUse(namespace!, name)) {
      // kubernetes.io/pvc-protection: the claim goes once no pod uses it.
      if (current.metadata.deletionTimestamp) return clone(current)
      const updated = clone(current)
      updated.metadata.deletionTimestamp = isoSeconds(new Date())
      updated.metadata.finalizers = ['kubernetes.io/pvc-protection']
      return this.replace(resource, key, updated)
    }
    return this.remove(resource, key, opts.propagationPolicy)
  }

  private remove(resource: string, key: string, propagationPolicy: string): Obj | null {
    const current = this.bucket(resource).get(key)
    if (!current) return null
    this.bucket(resource).delete(key)
    const obj = clone(current)
    obj.metadata.resourceVersion = String(++this.rv)
    this.record(resource, 'DELETED', obj)
    if (resource === 'pods') {
      const [namespace, name] = key.split('/') as [string, string]
      this.endLogFollowers(namespace, name)
      this.logs.delete(key)
      this.releaseClaims(namespace)
      this.retryUnschedulable()
    }
    if (propagationPolicy !== 'Orphan')
      this.later(() => this.collectGarbage(obj.metadata.uid), this.options.gcDelayMs ?? 5)
    return obj
  }

  private collectGarbage(ownerUid: string): void {
    for (const [resource, bucket] of this.store) {
      for (const [key, obj] of [...bucket]) {
        const refs: Obj[] = obj.metadata?.ownerReferences ?? []
        if (refs.length === 0 || !refs.some((r) => r.uid === ownerUid)) continue
        // An object with another owner that still exists stays.
        if (refs.some((r) => r.uid !== ownerUid && this.uidExists(r.uid))) continue
        if (resource === 'pods')
          this.deleteObject(resource, obj.metadata.namespace, obj.metadata.name, {
            propagationPolicy: 'Background',
            gracePeriodSeconds: null,
          })
        else this.remove(resource, key, 'Background')
      }
    }
  }

  private uidExists(uid: string): boolean {
    for (const bucket of this.store.values())
      for (const o of bucket.values()) if (o.metadata?.uid === uid) return true
    return false
  }

  private claimInUse(namespace: string, claim: string): boolean {
    for (const pod of this.bucket('pods').values()) {
      if (pod.metadata.namespace !== namespace) continue
      if ((pod.spec.volumes ?? []).some((v: Obj) => v.persistentVolumeClaim?.claimName === claim)) return true
    }
    return false
  }

  private releaseClaims(namespace: string): void {
    for (const [key, claim] of [...this.bucket('persistentvolumeclaims')]) {
      if (
        claim.metadata.namespace === namespace &&
        claim.metadata.deletionTimestamp &&
        !this.claimInUse(namespace, claim.metadata.name)
      )
        this.remove('persistentvolumeclaims', key, 'Background')
    }
  }

  private podLog(res: http.ServerResponse, namespace: string, name: string, q: URLSearchParams) {
    const pod = this.bucket('pods').get(`${namespace}/${name}`)
    if (!pod) return this.notFound(res, 'pods', name)
    const container = q.get('container') ?? 'main'
    const state = pod.status?.containerStatuses?.find((c: Obj) => c.name === container)?.state
    if (!state?.running && !state?.terminated) {
      const reason = state?.waiting?.reason ?? 'ContainerCreating'
      return this.status(
        res,
        400,
        'BadRequest',
        `container "${container}" in pod "${name}" is waiting to start: ${reason}`,
      )
    }
    const all = this.logs.get(`${namespace}/${name}`) ?? []
    const tail = q.get('tailLines') ? Number(q.get('tailLines')) : all.length
    const stamps = q.get('timestamps') === 'true'
    const lines = all
      .slice(Math.max(0, all.length - tail))
      .map((l) => (stamps ? `${l.ts} ${l.line}` : l.line))
    const body = lines.map((l) => `${l}\n`).join('')
    if (q.get('follow') !== 'true' || state.terminated) {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(body)
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' })
    res.flushHeaders()
    res.write(body)
    const key = `${namespace}/${name}`
    const set = this.logFollowers.get(key) ?? new Set()
    this.logFollowers.set(key, set)
    set.add(res)
    res.on('close', () => set.delete(res))
  }

  private endLogFollowers(namespace: string, name: string): void {
    const key = `${namespace}/${name}`
    for (const r of this.logFollowers.get(key) ?? []) r.end()
    this.logFollowers.delete(key)
  }

  private metrics(res: http.ServerResponse, route: Route, q: URLSearchParams) {
    if (!this.metricsEnabled) return text(res, 404, '404 page not found')
    if (route.resource !== 'pods' || !route.namespace) return text(res, 404, '404 page not found')
    if (!route.name) {
      // The namespace's list, as metrics-server serves it: pods it has a sample of, with their labels.
      const labels = parseLabelSelector(q.get('labelSelector') ?? '')
      const items = [...this.bucket('pods').values()]
        .filter((p) => p.metadata.namespace === route.namespace && matchesLabels(p, labels))
        .filter((p) => this.metricsByPod.has(p.metadata.name))
        .map((p) => ({
          metadata: {
            name: p.metadata.name,
            namespace: route.namespace,
            labels: p.metadata.labels ?? {},
            creationTimestamp: isoSeconds(new Date()),
          },
          timestamp: isoSeconds(new Date()),
          window: '15s',
          containers: [{ name: 'main', usage: this.metricsByPod.get(p.metadata.name) }],
        }))
      return json(res, 200, {
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: {},
        items,
      })
    }
    const usage = this.metricsByPod.get(route.name)
    const pod = this.bucket('pods').get(`${route.namespace}/${route.name}`)
    if (!usage || !pod)
      return this.status(
        res,
        404,
        'NotFound',
        `podmetrics.metrics.k8s.io "${route.namespace}/${route.name}" not found`,
      )
    json(res, 200, {
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: route.name, namespace: route.namespace, creationTimestamp: isoSeconds(new Date()) },
      timestamp: isoSeconds(new Date()),
      window: '15s',
      containers: [{ name: 'main', usage }],
    })
  }

  // ================================================================ the fake kubelet and scheduler

  private kubeletSchedule(namespace: string, name: string, run: boolean): void {
    const pod = this.bucket('pods').get(`${namespace}/${name}`)
    if (!pod || pod.metadata.deletionTimestamp || pod.spec.nodeName) {
      if (pod && run && pod.spec.nodeName && !pod.metadata.deletionTimestamp)
        this.kubeletStart(namespace, name)
      return
    }
    const placement = this.place(pod)
    if ('reason' in placement) {
      const message = placement.reason
      const already = pod.status?.conditions?.find((c: Obj) => c.type === 'PodScheduled')?.message === message
      if (!already) {
        this.mutate('pods', namespace, name, (p) => {
          p.status.conditions = [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message,
              lastTransitionTime: isoSeconds(new Date()),
            },
          ]
        })
        this.event(namespace, 'Pod', name, 'Warning', 'FailedScheduling', message)
      }
      return
    }
    this.mutate('pods', namespace, name, (p) => {
      p.spec.nodeName = placement.node
      p.status.hostIP = '10.0.0.1'
      p.status.conditions = [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: isoSeconds(new Date()) },
      ]
    })
    this.event(
      namespace,
      'Pod',
      name,
      'Normal',
      'Scheduled',
      `Successfully assigned ${namespace}/${name} to ${placement.node}`,
    )
    if (run) this.later(() => this.kubeletStart(namespace, name))
  }

  private kubeletStart(namespace: string, name: string): void {
    const pod = this.bucket('pods').get(`${namespace}/${name}`)
    if (!pod || pod.metadata.deletionTimestamp) return
    const image = pod.spec.containers[0].image
    this.event(namespace, 'Pod', name, 'Normal', 'Pulling', `Pulling image "${image}"`)
    const failure = this.pullFailures.find((f) => f.pattern.test(image))
    if (failure) {
      const message = `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": ${failure.message}`
      this.event(namespace, 'Pod', name, 'Warning', 'Failed', message)
      this.event(namespace, 'Pod', name, 'Warning', 'Failed', 'Error: ErrImagePull')
      this.setWaiting(name, 'ErrImagePull', message, namespace)
      this.later(() => {
        if (!this.bucket('pods').get(`${namespace}/${name}`)) return
        this.event(namespace, 'Pod', name, 'Normal', 'BackOff', `Back-off pulling image "${image}"`)
        this.setWaiting(name, 'ImagePullBackOff', `Back-off pulling image "${image}"`, namespace)
      })
      return
    }
    this.setWaiting(name, 'ContainerCreating', '', namespace)
    this.later(() => {
      const current = this.bucket('pods').get(`${namespace}/${name}`)
      if (!current || current.metadata.deletionTimestamp) return
      this.event(namespace, 'Pod', name, 'Normal', 'Pulled', `Successfully pulled image "${image}" in 1.2s`)
      this.event(namespace, 'Pod', name, 'Normal', 'Created', 'Created container main')
      this.event(namespace, 'Pod', name, 'Normal', 'Started', 'Started container main')
      const ready = !(this.options.neverReadyImage && image.includes(this.options.neverReadyImage))
      const readyStatus = ready ? 'True' : 'False'
      this.mutate('pods', namespace, name, (p) => {
        const now = isoSeconds(new Date())
        p.status.phase = 'Running'
        p.status.podIP = this.options.podIP ?? '127.0.0.1'
        p.status.startTime = now
        p.status.conditions = [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Initialized', status: 'True' },
          { type: 'ContainersReady', status: readyStatus },
          { type: 'Ready', status: readyStatus },
        ]
        p.status.containerStatuses = [
          {
            name: 'main',
            image,
            imageID: `${image}@sha256:fake`,
            ready,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: now } },
          },
        ]
      })
    })
  }

  private place(pod: Obj): { node: string } | { reason: string } {
    const nodes = [...this.bucket('nodes').values()]
    if (nodes.length === 0)
      nodes.push({
        metadata: { name: 'fake-node', labels: {} },
        spec: {},
        status: { allocatable: {}, conditions: [{ type: 'Ready', status: 'True' }] },
      })
    const wanted: Record<string, number> = {}
    for (const c of pod.spec.containers)
      for (const [k, v] of Object.entries(c.resources?.limits ?? {}))
        if (k.includes('/')) wanted[k] = (wanted[k] ?? 0) + Number(v)
    const reasons = new Map<string, number>()
    const note = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1)
    for (const node of nodes) {
      if (node.spec?.unschedulable) {
        note('node(s) were unschedulable')
        continue
      }
      const selector: Record<string, string> = pod.spec.nodeSelector ?? {}
      if (!Object.entries(selector).every(([k, v]) => node.metadata.labels?.[k] === v)) {
        note("node(s) didn't match Pod's node affinity/selector")
        continue
      }
      const taint = (node.spec?.taints ?? []).find(
        (t: Obj) =>
          t.effect !== 'PreferNoSchedule' &&
          !(pod.spec.tolerations ?? []).some(
            (tol: Obj) =>
              (tol.key === undefined || tol.key === t.key) &&
              (tol.operator === 'Exists' || tol.value === t.value) &&
              (!tol.effect || tol.effect === t.effect),
          ),
      )
      if (taint) {
        note(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`)
        continue
      }
      const short = Object.entries(wanted).find(
        ([res, n]) => this.freeOn(node.metadata.name, node.status.allocatable?.[res], res) < n,
      )
      if (short) {
        note(`Insufficient ${short[0]}`)
        continue
      }
      return { node: node.metadata.name }
    }
    const parts = [...reasons].map(([r, n]) => (r.startsWith('Insufficient') ? `${n} ${r}` : `${n} ${r}`))
    return {
      reason: `0/${nodes.length} nodes are available: ${parts.join(', ')}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} No preemption victims found for incoming pod.`,
    }
  }

  private freeOn(node: string, allocatable: string | undefined, resource: string): number {
    let used = 0
    for (const p of this.bucket('pods').values()) {
      if (p.spec.nodeName !== node || ['Succeeded', 'Failed'].includes(p.status?.phase)) continue
      for (const c of p.spec.containers) used += Number(c.resources?.limits?.[resource] ?? 0)
    }
    return Number(allocatable ?? 0) - used
  }

  private retryUnschedulable(): void {
    if (this.kubelet !== 'auto') return
    for (const pod of this.bucket('pods').values()) {
      if (pod.spec.nodeName || pod.metadata.deletionTimestamp) continue
      const { namespace, name } = pod.metadata
      this.later(() => this.kubeletSchedule(namespace, name, true))
    }
  }

  // ================================================================ storage

  private bucket(resource: string): Map<string, Obj> {
    const b = this.store.get(resource)
    if (!b) throw new Error(`unknown resource ${resource}`)
    return b
  }

  private key(resource: string, namespace: string | null, name: string): string {
    return RESOURCES[resource]!.namespaced ? `${namespace}/${name}` : name
  }

  private insert(resource: string, namespace: string | null, obj: Obj): Obj {
    obj.metadata = {
      ...obj.metadata,
      ...(namespace ? { namespace } : {}),
      uid: randomUUID(),
      creationTimestamp: obj.metadata?.creationTimestamp ?? isoSeconds(new Date()),
      resourceVersion: String(++this.rv),
    }
    this.bucket(resource).set(this.key(resource, namespace, obj.metadata.name), obj)
    this.record(resource, 'ADDED', obj)
    return clone(obj)
  }

  private replace(resource: string, key: string, obj: Obj): Obj {
    obj.metadata.resourceVersion = String(++this.rv)
    this.bucket(resource).set(key, obj)
    this.record(resource, 'MODIFIED', obj)
    return clone(obj)
  }

  private mutate(resource: string, namespace: string, name: string, change: (obj: Obj) => void): void {
    const key = this.key(resource, namespace, name)
    const current = this.bucket(resource).get(key)
    if (!current) throw new Error(`${resource} ${key} does not exist`)
    const next = clone(current)
    next.status ??= {}
    change(next)
    this.replace(resource, key, next)
  }

  private record(resource: string, type: HistoryEntry['type'], obj: Obj): void {
    const entry: HistoryEntry = {
      rv: this.rv,
      resource,
      namespace: obj.metadata?.namespace ?? null,
      type,
      object: clone(obj),
    }
    this.history.push(entry)
    const limit = this.options.historyLimit ?? 20_000
    if (this.history.length > limit) {
      const dropped = this.history.splice(0, this.history.length - limit)
      this.compactedRv = dropped.at(-1)!.rv
    }
    const line = `${JSON.stringify({ type, object: entry.object })}\n`
    for (const w of this.watchers)
      if (w.resource === resource && this.matches(w, entry.object)) w.res.write(line)
  }

  private later(fn: () => void, ms = this.options.kubeletStepMs ?? 5): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  // ================================================================ validation

  private validate(resource: string, obj: Obj): string[] {
    const problems: string[] = []
    try {
      RESOURCES[resource]!.validate?.(obj)
    } catch (error) {
      problems.push(`schema: ${(error as Error).message}`)
    }
    problems.push(...nameRules(resource, obj))
    if (problems.length > 0)
      this.validationErrors.push(`${RESOURCES[resource]!.kind} ${obj.metadata?.name}: ${problems.join('; ')}`)
    return problems
  }

  /**
   * The API server's rules for a claim update: the spec is immutable but for its storage request,
   * which may not shrink (422), and may grow only when the claim's StorageClass has
   * `allowVolumeExpansion` (403 from the PersistentVolumeClaimResize admission plugin).
   */
  private claimUpdateRefusal(
    current: Obj,
    next: Obj,
  ): { code: number; reason: string; message: string } | null {
    const name = current.metadata.name as string
    const was = current.spec.resources?.requests?.storage as string | undefined
    const wants = next.spec?.resources?.requests?.storage as string | undefined
    const rest = (spec: Obj) => ({ ...spec, resources: { ...spec.resources, requests: undefined } })
    if (canonical(rest(current.spec)) !== canonical(rest(next.spec ?? {})))
      return {
        code: 422,
        reason: 'Invalid',
        message: `PersistentVolumeClaim "${name}" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims`,
      }
    if (was === wants || was === undefined || wants === undefined) return null
    if (gibibytes(wants) < gibibytes(was))
      return {
        code: 422,
        reason: 'Invalid',
        message: `PersistentVolumeClaim "${name}" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value`,
      }
    const classes = this.options.storageClasses
    if (!classes) return null
    const className = current.spec.storageClassName as string | undefined
    if (className && classes[className]?.allowVolumeExpansion) return null
    return {
      code: 403,
      reason: 'Forbidden',
      message: `persistentvolumeclaims "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
    }
  }

  /** The StorageClass a claim without one gets (only when the test configured StorageClasses). */
  get defaultClaimClass(): string | undefined {
    return this.options.storageClasses ? this.options.defaultStorageClass : undefined
  }

  private invalid(res: http.ServerResponse, kind: string, name: string, problems: string[]): void {
    this.status(res, 422, 'Invalid', `${kind} "${name}" is invalid: ${problems.join('; ')}`, { name, kind })
  }

  private notFound(res: http.ServerResponse, resource: string, name: string): void {
    this.status(res, 404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource })
  }

  private status(
    res: http.ServerResponse,
    code: number,
    reason: string,
    message: string,
    details?: Obj,
  ): void {
    json(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    })
  }

  allocateClusterIp(): string {
    return `10.96.${Math.floor(this.nextClusterIp / 250)}.${(this.nextClusterIp++ % 250) + 1}`
  }

  allocateNodePort(): number {
    return this.nextNodePort++
  }
}

// ==================================================================== defaults and rules

function defaults(resource: string, obj: Obj, fake: FakeKubeApiServer): void {
  switch (resource) {
    case 'pods':
      obj.spec.restartPolicy ??= 'Always'
      obj.spec.terminationGracePeriodSeconds ??= 30
      obj.spec.dnsPolicy ??= 'ClusterFirst'
      obj.status = { phase: 'Pending', qosClass: 'Burstable' }
      break
    case 'services':
      obj.spec.type ??= 'ClusterIP'
      obj.spec.sessionAffinity ??= 'None'
      if (obj.spec.clusterIP !== 'None' && obj.spec.type !== 'ExternalName') {
        obj.spec.clusterIP = fake.allocateClusterIp()
        obj.spec.clusterIPs = [obj.spec.clusterIP]
      }
      for (const p of obj.spec.ports ?? []) {
        p.targetPort ??= p.port
        p.protocol ??= 'TCP'
        if (obj.spec.type === 'NodePort' || obj.spec.type === 'LoadBalancer')
          p.nodePort ??= fake.allocateNodePort()
      }
      obj.status = { loadBalancer: {} }
      break
    case 'secrets':
      secretDefaults(obj)
      break
    case 'persistentvolumeclaims':
      obj.spec.volumeMode ??= 'Filesystem'
      if (fake.defaultClaimClass) obj.spec.storageClassName ??= fake.defaultClaimClass
      obj.spec.volumeName = `pvc-${randomUUID()}`
      obj.status = {
        phase: 'Bound',
        accessModes: obj.spec.accessModes,
        capacity: obj.spec.resources?.requests,
      }
      break
    case 'ingresses':
      obj.status = { loadBalancer: {} }
      break
  }
}

/** The API server folds stringData into data (base64) and never returns stringData. */
function secretDefaults(obj: Obj): void {
  obj.type ??= 'Opaque'
  if (obj.stringData) {
    obj.data = { ...(obj.data ?? {}) }
    for (const [k, v] of Object.entries(obj.stringData))
      obj.data[k] = Buffer.from(String(v)).toString('base64')
    delete obj.stringData
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const QUALIFIED = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/

const isLabel = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s)
const isSubdomain = (s: string) => s.length <= 253 && s.split('.').every(isLabel)
const isKey = (k: string) => {
  const i = k.lastIndexOf('/')
  const prefix = i >= 0 ? k.slice(0, i) : null
  const name = i >= 0 ? k.slice(i + 1) : k
  return (
    (prefix === null || isSubdomain(prefix)) && name.length > 0 && name.length <= 63 && QUALIFIED.test(name)
  )
}

/** The API server's validation of names, labels and the fields whose format the schemas leave open. */
export function nameRules(resource: string, obj: Obj): string[] {
  const problems: string[] = []
  const bad = (field: string, value: unknown, rule: string) =>
    problems.push(`${field}: Invalid value: ${JSON.stringify(value)}: ${rule}`)
  const name: string = obj.metadata?.name ?? ''
  if (resource === 'services' ? !(name.length <= 63 && DNS1035_LABEL.test(name)) : !isSubdomain(name))
    bad('metadata.name', name, resource === 'services' ? 'a DNS-1035 label' : 'a DNS-1123 subdomain')
  for (const [k, v] of Object.entries(obj.metadata?.labels ?? {})) {
    if (!isKey(k)) bad('metadata.labels', k, 'a qualified name')
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      bad(`metadata.labels[${k}]`, v, 'a valid label value')
  }
  for (const k of Object.keys(obj.metadata?.annotations ?? {}))
    if (!isKey(k)) bad('metadata.annotations', k, 'a qualified name')
  for (const ref of obj.metadata?.ownerReferences ?? [])
    if (!ref.apiVersion || !ref.kind || !ref.name || !ref.uid)
      bad('metadata.ownerReferences', ref, 'apiVersion, kind, name and uid are required')
  const portName = (field: string, n: string | undefined) => {
    if (n !== undefined && !(n.length <= 15 && IANA_SVC_NAME.test(n) && /[a-z]/.test(n) && !n.includes('--')))
      bad(field, n, 'an IANA service name')
  }
  if (resource === 'pods') {
    const spec = obj.spec ?? {}
    for (const c of spec.containers ?? []) {
      if (!isLabel(c.name ?? '')) bad('spec.containers[].name', c.name, 'a DNS-1123 label')
      for (const e of c.env ?? [])
        if (!ENV_NAME.test(e.name ?? ''))
          bad('spec.containers[].env[].name', e.name, 'a valid environment variable name')
      for (const p of c.ports ?? []) portName('spec.containers[].ports[].name', p.name)
      for (const m of c.volumeMounts ?? []) {
        if (!(spec.volumes ?? []).some((v: Obj) => v.name === m.name))
          bad('spec.containers[].volumeMounts[].name', m.name, 'must match a volume')
        if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/'))
          bad('spec.containers[].volumeMounts[].mountPath', m.mountPath, 'an absolute path')
      }
    }
    for (const v of spec.volumes ?? [])
      if (!isLabel(v.name ?? '')) bad('spec.volumes[].name', v.name, 'a DNS-1123 label')
    for (const [k, v] of Object.entries(spec.nodeSelector ?? {}))
      if (!isKey(k) || typeof v !== 'string' || !LABEL_VALUE.test(v))
        bad('spec.nodeSelector', `${k}=${v}`, 'label key and value')
  }
  if (resource === 'services') {
    if (obj.spec?.type === 'ExternalName' && !isSubdomain(String(obj.spec.externalName ?? '')))
      bad('spec.externalName', obj.spec.externalName, 'a DNS-1123 subdomain')
    const ports = obj.spec?.ports ?? []
    for (const p of ports) {
      if (ports.length > 1 && !p.name)
        bad('spec.ports[].name', p.name, 'required when there are several ports')
      if (p.name !== undefined && !isLabel(p.name)) bad('spec.ports[].name', p.name, 'a DNS-1123 label')
    }
  }
  if (resource === 'secrets')
    for (const k of Object.keys({ ...(obj.data ?? {}), ...(obj.stringData ?? {}) }))
      if (!SECRET_KEY.test(k)) bad('data', k, 'a valid config key')
  if (resource === 'ingresses') {
    for (const rule of obj.spec?.rules ?? [])
      if (rule.host !== undefined && !isSubdomain(String(rule.host).replace(/^\*\./, '')))
        bad('spec.rules[].host', rule.host, 'a DNS-1123 subdomain')
    for (const tls of obj.spec?.tls ?? [])
      for (const h of tls.hosts ?? [])
        if (!isSubdomain(h.replace(/^\*\./, ''))) bad('spec.tls[].hosts', h, 'a DNS-1123 subdomain')
  }
  return problems
}

// ==================================================================== selectors

interface Requirement {
  key: string
  op: 'in' | 'notin' | 'exists' | '!exists'
  values: string[]
}

interface FieldRequirement {
  field: string
  op: '=' | '!='
  value: string
}

export function parseLabelSelector(selector: string): Requirement[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of selector) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  if (current.trim()) parts.push(current)
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      let m = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(p)
      if (m) return { key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] } as Requirement
      m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p)
      if (m) return { key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) }
      m = /^!\s*([^\s!=]+)$/.exec(p)
      if (m) return { key: m[1]!, op: '!exists', values: [] }
      m = /^([^\s!=(),]+)$/.exec(p)
      if (m) return { key: m[1]!, op: 'exists', values: [] }
      throw new Error(`unable to parse requirement: ${p}`)
    })
}

function parseFieldSelector(selector: string): FieldRequirement[] {
  return selector
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(p)
      if (!m) throw new Error(`invalid field selector: ${p}`)
      return { field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! }
    })
}

function matchesLabels(obj: Obj, reqs: Requirement[]): boolean {
  const labels: Record<string, string> = obj.metadata?.labels ?? {}
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key)
    switch (r.op) {
      case 'exists':
        return has
      case '!exists':
        return !has
      case 'in':
        return has && r.values.includes(labels[r.key]!)
      case 'notin':
        return !has || !r.values.includes(labels[r.key]!)
    }
    return false
  })
}

function matchesFields(obj: Obj, reqs: FieldRequirement[]): boolean {
  return reqs.every((r) => {
    let v: unknown = obj
    for (const part of r.field.split('.')) v = (v as Obj | undefined)?.[part]
    const s = v === undefined || v === null ? '' : String(v)
    return r.op === '=' ? s === r.value : s !== r.value
  })
}

// ==================================================================== routing and helpers

interface Route {
  group: string
  version: string
  namespace: string | null
  resource: string
  name: string | null
  sub: string | null
}

function parseRoute(pathname: string): Route | null {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent)
  let group: string
  let version: string
  let rest: string[]
  if (parts[0] === 'api' && parts[1]) {
    group = ''
    version = parts[1]
    rest = parts.slice(2)
  } else if (parts[0] === 'apis' && parts[1] && parts[2]) {
    group = parts[1]
    version = parts[2]
    rest = parts.slice(3)
  } else return null
  let namespace: string | null = null
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!
    rest = rest.slice(2)
  }
  if (!rest[0]) return null
  return { group, version, namespace, resource: rest[0], name: rest[1] ?? null, sub: rest[2] ?? null }
}

function verbOf(method: string, route: Route | null, watch: boolean): RequestRecord['verb'] {
  if (!route) return method === 'GET' ? 'version' : 'other'
  if (route.group === 'metrics.k8s.io') return 'metrics'
  if (route.sub === 'exec') return 'exec'
  if (method === 'GET') return route.sub === 'log' ? 'log' : route.name ? 'get' : watch ? 'watch' : 'list'
  return method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'DELETE' ? 'delete' : 'other'
}

function readJson(req: http.IncomingMessage): Promise<Obj | null | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      if (!raw.trim()) return resolve(null)
      try {
        resolve(JSON.parse(raw) as Obj)
      } catch {
        resolve(undefined)
      }
    })
  })
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function text(res: http.ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain' })
  res.end(body)
}

function clone<T>(v: T): T {
  return structuredClone(v)
}

function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`
}

/** JSON with sorted keys and without undefined members, so a client's field order does not matter. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object')
    return `{${Object.entries(value as Obj)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`
  return JSON.stringify(value)
}

/** A quantity such as `10Gi`, `500Mi` or `2G` in GiB (enough for storage requests). */
function gibibytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity)
  if (!m) return Number.NaN
  const units: Record<string, number> = {
    Ki: 2 ** -20,
    Mi: 2 ** -10,
    Gi: 1,
    Ti: 2 ** 10,
    K: 1e3 / 2 ** 30,
    M: 1e6 / 2 ** 30,
    G: 1e9 / 2 ** 30,
    T: 1e12 / 2 ** 30,
  }
  return Number(m[1]) * (m[2] ? units[m[2]]! : 1 / 2 ** 30)
}
