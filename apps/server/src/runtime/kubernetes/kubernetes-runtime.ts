import type { Readable } from 'node:stream'
import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { ExecRequest, ExecSession } from '../exec.js'
import { tarFrom, tarInto } from '../exec-archive.js'
import type { MetricsSource } from '../metrics-source.js'
import type {
  GpuDeviceInfo,
  GpuStock,
  LogLineOut,
  LogsResult,
  OrphanReport,
  PodObservation,
  PodRuntime,
  PodSpec,
  RuntimeHealth,
  RuntimeListener,
  RuntimeStats,
  VolumeResizeOutcome,
  VolumeSpec,
  VolumeUsage,
} from '../pod-runtime.js'
import { ClusterReads } from './cluster-reads.js'
import { ClusterWatch } from './cluster-watch.js'
import { type KubeClients, kube, kubeError } from './kube-client.js'
import type { ManifestSettings } from './manifests.js'
import { volumeClaimName } from './names.js'
import { ensureIsolationPolicy, ensurePlatformService } from './namespace-objects.js'
import { kubeExec } from './pod-exec.js'
import { KubernetesMetricsSource } from './pod-metrics-source.js'
import { PodObjects } from './pod-objects.js'
import { ClusterVolumes } from './volumes.js'

/**
 * PodRuntime on a Kubernetes cluster: a thin front over the three halves of the adapter.
 * - `ClusterWatch` (cluster-watch.ts): list+watch informers → cache, observations and events;
 * - `PodObjects` (pod-objects.ts): idempotent writes of each pod's objects;
 * - `ClusterReads` (cluster-reads.ts): logs, usage, GPU stock, orphans;
 * and exec through `pods/exec` (pod-exec.ts).
 * Watch, don't poll: in steady state the adapter sends no request per pod.
 */

export interface KubernetesRuntimeOptions {
  clients: KubeClients
  manifests: ManifestSettings
  clock: Clock
  log: Logger
  /** Host shown for NodePort endpoints; null = the node's IP */
  tcpHost: string | null
  /** How the platform reaches pod ports: the Service's cluster DNS name, or the pod IP */
  probeVia: 'service' | 'pod-ip'
  clusterDomain: string
  networkPolicy: boolean
  resyncSeconds: number
  /** GPU figures for the metrics sampler: a DCGM exporter's metrics URL */
  dcgmExporterUrl?: string | null
  /** Server-side watch timeout range in seconds (randomised per watch) */
  watchTimeoutSeconds?: [number, number]
  /** Objects younger than this are never called orphans: their database row may be in flight */
  orphanMinAgeMs?: number
  /** How long ensureRunning waits for a previous incarnation of the pod to go away */
  terminationWaitMs?: number
}

export class KubernetesRuntime implements PodRuntime {
  readonly kind = 'kubernetes' as const
  readonly simulated = false
  readonly persistent = true
  readonly watch: ClusterWatch
  private readonly objects: PodObjects
  private readonly reads: ClusterReads
  private readonly volumes: ClusterVolumes
  private started = false
  private metricsSource: KubernetesMetricsSource | null = null

  constructor(private readonly o: KubernetesRuntimeOptions) {
    this.watch = new ClusterWatch({
      clients: o.clients,
      namespace: o.manifests.namespace,
      log: o.log,
      tcpHost: o.tcpHost,
      resyncSeconds: o.resyncSeconds,
      ...(o.watchTimeoutSeconds ? { watchTimeoutSeconds: o.watchTimeoutSeconds } : {}),
      onFinished: (podId, observation) =>
        this.objects.removeIfStuck(podId, observation, this.watch.listener?.isActive !== false),
    })
    this.volumes = new ClusterVolumes({ clients: o.clients, manifests: o.manifests, watch: this.watch })
    this.objects = new PodObjects({
      volumes: this.volumes,
      clients: o.clients,
      manifests: o.manifests,
      watch: this.watch,
      log: o.log,
      ...(o.terminationWaitMs !== undefined ? { terminationWaitMs: o.terminationWaitMs } : {}),
      event: (event) => this.watch.listener?.event(event),
    })
    this.reads = new ClusterReads({
      clients: o.clients,
      manifests: o.manifests,
      watch: this.watch,
      clock: o.clock,
      log: o.log,
      probeVia: o.probeVia,
      clusterDomain: o.clusterDomain,
      ...(o.orphanMinAgeMs !== undefined ? { orphanMinAgeMs: o.orphanMinAgeMs } : {}),
      deletePod: (podId) => this.objects.ensureDeleted(podId),
      deleteVolume: (name) => this.volumes.delete(name),
    })
  }

  async start(listener: RuntimeListener): Promise<void> {
    this.watch.listener = listener
    if (this.started) return
    this.started = true
    this.watch.start()
    const { clients, manifests, log } = this.o
    void ensurePlatformService(clients, manifests).catch((error) =>
      log.warn(
        { err: kubeError(error, 'apply Service') },
        'could not apply the neuropod-platform Service; signing in to private pod URLs fails until it exists',
      ),
    )
    if (this.o.networkPolicy)
      void ensureIsolationPolicy(clients, manifests).catch((error) =>
        log.warn(
          { err: kubeError(error, 'apply NetworkPolicy') },
          'could not apply the pods NetworkPolicy; pods are not isolated',
        ),
      )
  }

  async close(): Promise<void> {
    this.reads.close()
    await this.watch.stop()
    this.started = false
    this.watch.listener = null
  }

  async health(): Promise<RuntimeHealth> {
    const details = {
      namespace: this.o.manifests.namespace,
      ...this.watch.stats(),
      apiRequests: this.o.clients.requestCount(),
    }
    try {
      const version = await kube('get version', () => this.o.clients.version.getCode())
      return { reachable: true, version: version.gitVersion, error: null, details }
    } catch (error) {
      return { reachable: false, version: null, error: kubeError(error, 'get version').message, details }
    }
  }

  ensureRunning(spec: PodSpec): Promise<void> {
    return this.objects.ensureRunning(spec)
  }

  ensureStopped(podId: string): Promise<void> {
    return this.objects.ensureStopped(podId)
  }

  ensureDeleted(podId: string): Promise<void> {
    return this.objects.ensureDeleted(podId)
  }

  updateAccess(spec: PodSpec): Promise<void> {
    return this.objects.updateAccess(spec)
  }

  list(): Promise<PodObservation[]> {
    return this.reads.list()
  }

  clusterReady(podId: string): boolean | null {
    return this.reads.clusterReady(podId)
  }

  endpoint(podId: string, port: number): Promise<{ host: string; port: number } | null> {
    return this.reads.endpoint(podId, port)
  }

  logs(podId: string, tail: number): Promise<LogsResult> {
    return this.reads.logs(podId, tail)
  }

  followLogs(
    podId: string,
    tail: number,
    signal: AbortSignal,
    onLines: (lines: LogLineOut[]) => void,
  ): Promise<void> {
    return this.reads.followLogs(podId, tail, signal, onLines)
  }

  metrics(): MetricsSource {
    this.metricsSource ??= new KubernetesMetricsSource({
      clients: this.o.clients,
      namespace: this.o.manifests.namespace,
      watch: this.watch,
      dcgmUrl: this.o.dcgmExporterUrl ?? null,
    })
    return this.metricsSource
  }

  stats(podId: string): Promise<RuntimeStats> {
    return this.reads.stats(podId)
  }

  async gpuDevices(): Promise<GpuDeviceInfo[] | null> {
    return null // the scheduler places GPUs
  }

  gpuStock(): Promise<GpuStock[] | null> {
    return this.reads.gpuStock()
  }

  orphans(known: Set<string>, remove: boolean, knownVolumes: Set<string>): Promise<OrphanReport[]> {
    return this.reads.orphans(known, remove, knownVolumes)
  }

  /** Shared only when claims are ReadWriteMany (the storage class must support it). */
  get sharedVolumes(): boolean {
    return this.o.manifests.volumeAccessMode === 'ReadWriteMany'
  }

  volumeName(volumeId: string): string {
    return volumeClaimName(volumeId)
  }

  ensureVolume(volume: VolumeSpec): Promise<void> {
    return this.volumes.ensure(volume)
  }

  deleteVolume(name: string): Promise<void> {
    return this.volumes.delete(name)
  }

  resizeVolume(volume: VolumeSpec): Promise<VolumeResizeOutcome> {
    return this.volumes.resize(volume)
  }

  volumeUsage(names: string[]): Promise<VolumeUsage> {
    return this.volumes.usage(names)
  }

  /** Through `pods/exec` with the image's tar, as `kubectl cp` does. */
  putArchive(podId: string, dir: string, tar: Readable): Promise<void> {
    return tarInto((r) => this.exec(r), podId, dir, tar)
  }

  getArchive(podId: string, target: string): Promise<Readable> {
    return tarFrom((r) => this.exec(r), podId, target)
  }

  exec(request: ExecRequest): Promise<ExecSession> {
    const { clients, manifests, log } = this.o
    return kubeExec({ clients, namespace: manifests.namespace, watch: this.watch, log }, request)
  }
}
