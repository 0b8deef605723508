import { PassThrough } from 'node:stream'
import { type Clock, monotonicMs } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import {
  type GpuStock,
  type LogLineOut,
  type LogsResult,
  type OrphanReport,
  type PodObservation,
  type RuntimeStats,
  unavailableStats,
} from '../pod-runtime.js'
import type { ClusterWatch } from './cluster-watch.js'
import { type KubeApiError, type KubeClients, kube, kubeError, plain } from './kube-client.js'
import { LineSplitter, parseLogText } from './logs.js'
import type { ManifestSettings } from './manifests.js'
import { CONTAINER_NAME, objectNames, podIdFromName } from './names.js'
import { computeGpuStock, type KNode, type KPod } from './observe.js'
import { type ManagedObject, scanOrphans, scanOrphanVolumes } from './orphan-scan.js'
import { parseCpu, parseCpuUsage, parseMemory } from './profiles.js'

/**
 * The read half of the Kubernetes adapter: observations and endpoints from the watch's cache,
 * container logs (a read or a follow stream), usage from metrics.k8s.io, the live GPU stock
 * (node allocatable minus requests, computed on demand and shared for a few seconds) and the
 * orphan scan.
 */

export interface ClusterReadsOptions {
  clients: KubeClients
  manifests: ManifestSettings
  watch: ClusterWatch
  clock: Clock
  log: Logger
  /** How the platform reaches pod ports: the Service's cluster DNS name, or the pod IP */
  probeVia: 'service' | 'pod-ip'
  clusterDomain: string
  /** Objects younger than this are never called orphans: their database row may be in flight */
  orphanMinAgeMs?: number
  /** Removes an orphaned volume claim (orphans with remove=true) */
  deleteVolume(name: string): Promise<void>
  /** Removes every object of a pod (orphans with remove=true) */
  deletePod(podId: string): Promise<void>
}

const STOCK_TTL_MS = 5_000
const NO_CONTAINER = 'The pod has no container on the cluster'

interface PodMetrics {
  containers?: { name?: string; usage?: { cpu?: string; memory?: string } }[]
}

export class ClusterReads {
  private readonly streams = new Set<AbortController>()
  private stock: { at: number; value: Promise<GpuStock[] | null> } | null = null
  private stockWarned = false

  constructor(private readonly o: ClusterReadsOptions) {}

  private get ns(): string {
    return this.o.manifests.namespace
  }

  private get watch(): ClusterWatch {
    return this.o.watch
  }

  /** Ends every log stream still open. */
  close(): void {
    for (const c of this.streams) c.abort()
    this.streams.clear()
  }

  async list(): Promise<PodObservation[]> {
    await this.watch.synced([this.watch.pods, this.watch.services])
    const out: PodObservation[] = []
    for (const pod of this.watch.pods.list()) {
      const podId = podIdFromName(pod.metadata?.name)
      if (!podId) continue
      const observation = this.watch.observe(podId)
      if (observation.phase !== 'absent') out.push(observation)
    }
    return out
  }

  /** The Pod's Ready condition (or its container's readiness), as the watch last saw it. */
  clusterReady(podId: string): boolean | null {
    const pod = this.watch.pods.get(objectNames(podId).pod)
    if (!pod?.status || pod.metadata?.deletionTimestamp) return null
    const condition = pod.status.conditions?.find((c) => c.type === 'Ready')
    if (condition) return condition.status === 'True'
    const container = pod.status.containerStatuses?.find((c) => c.name === CONTAINER_NAME)
    return container ? container.ready : null
  }

  async endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    const names = objectNames(podId)
    if (this.o.probeVia === 'pod-ip') {
      const pod = this.watch.pods.get(names.pod)
      const ip = pod?.status?.podIP
      return ip && !pod.metadata?.deletionTimestamp ? { host: ip, port } : null
    }
    const service = this.watch.services.get(names.service)
    if (!service?.spec?.ports?.some((p) => p.port === port)) return null
    return { host: `${names.service}.${this.ns}.svc.${this.o.clusterDomain}`, port }
  }

  async logs(podId: string, tail: number): Promise<LogsResult> {
    const name = objectNames(podId).pod
    if (!this.watch.pods.get(name) && this.watch.pods.synced)
      return { available: false, reason: NO_CONTAINER, lines: [] }
    try {
      const text = await kube(`read logs of Pod ${name}`, () =>
        this.o.clients.core.readNamespacedPodLog({
          name,
          namespace: this.ns,
          container: CONTAINER_NAME,
          tailLines: tail,
          timestamps: true,
        }),
      )
      return { available: true, reason: null, lines: parseLogText(text) }
    } catch (error) {
      const e = kubeError(error, 'read logs')
      if (e.code === 400 || e.code === 404) return { available: false, reason: logReason(e), lines: [] }
      throw e
    }
  }

  async followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void> {
    const name = objectNames(podId).pod
    // Opened while the pod is still starting: wait for its container, like `kubectl logs -f` users do.
    const started = () => {
      const pod = this.watch.pods.get(name)
      const state = pod?.status?.containerStatuses?.find((c) => c.name === CONTAINER_NAME)?.state
      return !pod || Boolean(state?.running || state?.terminated)
    }
    await this.watch.waitForPod(name, started, 24 * 3600_000, signal)
    if (signal.aborted) return
    if (!this.watch.pods.get(name)) throw new Error(NO_CONTAINER)
    const sink = new PassThrough()
    const splitter = new LineSplitter()
    const ended = new Promise<void>((resolve) => {
      sink.on('data', (chunk: Buffer) => {
        const lines = splitter.push(chunk.toString('utf8'))
        if (lines.length > 0) onLines(lines)
      })
      sink.on('end', resolve)
      sink.on('close', resolve)
      sink.on('error', resolve)
    })
    let controller: AbortController
    try {
      controller = await this.o.clients.log.log(this.ns, name, CONTAINER_NAME, sink, {
        follow: true,
        tailLines: tail,
        timestamps: true,
      })
    } catch (error) {
      throw new Error(logReason(kubeError(error, 'follow logs')))
    }
    this.streams.add(controller)
    const abort = () => {
      controller.abort()
      sink.end()
    }
    signal.addEventListener('abort', abort, { once: true })
    await ended
    signal.removeEventListener('abort', abort)
    this.streams.delete(controller)
    const rest = splitter.flush()
    if (rest.length > 0) onLines(rest)
  }

  async stats(podId: string): Promise<RuntimeStats> {
    const name = objectNames(podId).pod
    const pod = this.watch.pods.get(name)
    if (!pod || this.watch.observe(podId).phase !== 'running')
      return unavailableStats('The container is not running')
    let metrics: PodMetrics
    try {
      metrics = (await kube(`read metrics of Pod ${name}`, () =>
        this.o.clients.custom.getNamespacedCustomObject({
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          namespace: this.ns,
          plural: 'pods',
          name,
        }),
      )) as PodMetrics
    } catch (error) {
      return metricsUnavailable(kubeError(error, 'read metrics'))
    }
    return usageFromMetrics(pod, metrics)
  }

  /** Node allocatable minus requests; computed on demand and shared for a few seconds. */
  async gpuStock(): Promise<GpuStock[] | null> {
    const now = monotonicMs()
    if (this.stock && now - this.stock.at < STOCK_TTL_MS) return this.stock.value
    const value = this.readGpuStock()
    this.stock = { at: now, value }
    return value
  }

  private async readGpuStock(): Promise<GpuStock[] | null> {
    const { core } = this.o.clients
    try {
      const [nodes, pods] = await Promise.all([
        kube('list nodes', () => core.listNode({})),
        kube('list pods of all namespaces', () =>
          core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
        ),
      ])
      return computeGpuStock(
        plain<KNode[]>(nodes.items),
        plain<KPod[]>(pods.items),
        this.o.manifests.profiles,
      )
    } catch (error) {
      this.stock = null
      if (!this.stockWarned) {
        this.stockWarned = true
        this.o.log.warn(
          { err: kubeError(error, 'read GPU stock') },
          'GPU stock unavailable (the ClusterRole for nodes and pods may be missing)',
        )
      }
      return null
    }
  }

  async orphans(known: Set<string>, remove: boolean, knownVolumes: Set<string>): Promise<OrphanReport[]> {
    const { watch } = this
    await watch.synced()
    const candidates: [string, ManagedObject][] = [
      ...watch.pods.list().map((o) => ['Pod', o] as [string, ManagedObject]),
      ...watch.services.list().map((o) => ['Service', o] as [string, ManagedObject]),
      ...watch.ingresses.list().map((o) => ['Ingress', o] as [string, ManagedObject]),
      ...watch.secrets.list().map((o) => ['Secret', o] as [string, ManagedObject]),
    ]
    const { reports, podIds } = scanOrphans(
      candidates,
      known,
      this.o.clock.now().getTime(),
      this.o.orphanMinAgeMs ?? 60_000,
    )
    if (remove) {
      const failedIds = new Set<string>()
      await Promise.all(
        [...podIds].map((id) =>
          this.o.deletePod(id).catch((error) => {
            failedIds.add(id)
            this.o.log.warn({ err: error, podId: id }, 'removing orphaned objects failed')
          }),
        ),
      )
      for (const r of reports) r.removed = r.podId !== null && podIds.has(r.podId) && !failedIds.has(r.podId)
    }
    return [...reports, ...(await this.orphanVolumes(knownVolumes, remove))]
  }

  /** Claims no volume row names (volumes belong to users, not to pods: ADR 0016). */
  private async orphanVolumes(knownVolumes: Set<string>, remove: boolean): Promise<OrphanReport[]> {
    const names = scanOrphanVolumes(
      this.watch.volumes.list(),
      knownVolumes,
      this.o.clock.now().getTime(),
      this.o.orphanMinAgeMs ?? 60_000,
    )
    const reports: OrphanReport[] = []
    for (const { name, podId } of names) {
      let removed = false
      if (remove)
        removed = await this.o.deleteVolume(name).then(
          () => true,
          (error) => {
            this.o.log.warn({ err: error, name }, 'removing an orphaned volume claim failed')
            return false
          },
        )
      reports.push({ kind: 'PersistentVolumeClaim', name, podId, removed })
    }
    return reports
  }
}

/** Usage of the pod's container against its limits (metrics.k8s.io has no GPU figures). */
export function usageFromMetrics(pod: KPod, metrics: PodMetrics): RuntimeStats {
  const container = pod.spec?.containers?.find((c) => c.name === CONTAINER_NAME)
  const cpuLimit = parseCpu(String(container?.resources?.limits?.cpu ?? ''))
  const memoryLimit = parseMemory(String(container?.resources?.limits?.memory ?? ''))
  const usage = metrics.containers?.find((c) => c.name === CONTAINER_NAME)?.usage
  const cpu = usage?.cpu ? parseCpuUsage(usage.cpu) : null
  const memory = usage?.memory ? parseMemory(usage.memory) : null
  return {
    available: true,
    reason: null,
    cpuUsage: cpu !== null && cpuLimit ? Math.round((cpu / cpuLimit) * 1000) / 10 : null,
    memoryUsedBytes: memory,
    memoryLimitBytes: memoryLimit,
    // GPU figures come from DCGM, which this adapter does not read.
    gpuUsage: null,
    gpuMemoryUsage: null,
  }
}

function metricsUnavailable(e: KubeApiError): RuntimeStats {
  if (e.code === 404 && e.reason === 'NotFound')
    return unavailableStats('No usage sample yet (metrics-server samples every 15 to 60 seconds)')
  if (e.code === 404 || e.code === 503)
    return unavailableStats(
      'The cluster has no metrics API (install metrics-server for CPU and memory usage)',
    )
  return unavailableStats(`Usage metrics are unavailable: ${e.message}`)
}

export function logReason(e: KubeApiError): string {
  if (e.code === 404) return NO_CONTAINER
  const m = /is waiting to start: (.*?)(?: \(HTTP \d+\))?$/.exec(e.message)
  return m ? `The container has not started yet (${m[1]})` : e.message
}
