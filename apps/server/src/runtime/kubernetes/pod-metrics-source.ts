import { parsePrometheusText } from '../../lib/prometheus-text.js'
import {
  CPU_FIELDS,
  GPU_FIELDS,
  type MetricsSource,
  type MetricsTarget,
  NET_FIELDS,
  type PodMetricSample,
  SampleBuilder,
} from '../metrics-source.js'
import type { ClusterWatch } from './cluster-watch.js'
import { type KubeClients, kube, kubeError } from './kube-client.js'
import { CONTAINER_NAME, MANAGED_SELECTOR, objectNames } from './names.js'
import { parseCpuUsage, parseMemory } from './profiles.js'

/**
 * Kubernetes measurements (issue 12): ONE `metrics.k8s.io/v1beta1` list of the namespace's pods
 * per interval, whatever the number of pods, and, when configured, one scrape of a DCGM exporter
 * for GPU figures. metrics.k8s.io has no network or GPU figures; those say so.
 */

export interface PodMetricsItem {
  metadata?: { name?: string }
  containers?: { name?: string; usage?: { cpu?: string; memory?: string } }[]
}

export interface DcgmFigures {
  util: number | null
  fbUsedMiB: number | null
  fbFreeMiB: number | null
  tempC: number | null
  powerW: number | null
}

/**
 * DCGM exporter series for pods of `namespace` (labels `pod`, `namespace`, as dcgm-exporter adds
 * with its Kubernetes mapping), summed per pod over its GPUs; temperature is the hottest.
 */
export function parseDcgm(text: string, namespace: string): Map<string, DcgmFigures[]> {
  const byPodGpu = new Map<string, Map<string, DcgmFigures>>()
  const families = parsePrometheusText(text)
  const fields: [string, keyof DcgmFigures][] = [
    ['DCGM_FI_DEV_GPU_UTIL', 'util'],
    ['DCGM_FI_DEV_FB_USED', 'fbUsedMiB'],
    ['DCGM_FI_DEV_FB_FREE', 'fbFreeMiB'],
    ['DCGM_FI_DEV_GPU_TEMP', 'tempC'],
    ['DCGM_FI_DEV_POWER_USAGE', 'powerW'],
  ]
  for (const [metric, key] of fields) {
    for (const s of families.get(metric)?.samples ?? []) {
      const pod = s.labels.pod ?? s.labels.exported_pod
      const ns = s.labels.namespace ?? s.labels.exported_namespace
      if (!pod || ns !== namespace || !Number.isFinite(s.value)) continue
      const gpu = s.labels.UUID ?? s.labels.gpu ?? s.labels.device ?? '0'
      const gpus = byPodGpu.get(pod) ?? new Map<string, DcgmFigures>()
      byPodGpu.set(pod, gpus)
      const f = gpus.get(gpu) ?? { util: null, fbUsedMiB: null, fbFreeMiB: null, tempC: null, powerW: null }
      gpus.set(gpu, f)
      f[key] = s.value
    }
  }
  return new Map([...byPodGpu].map(([pod, gpus]) => [pod, [...gpus.values()]]))
}

const MIB = 1024 * 1024

export interface KubeMetricsOptions {
  clients: KubeClients
  namespace: string
  watch: ClusterWatch
  /** DCGM exporter's metrics URL, or null */
  dcgmUrl: string | null
  fetch?: typeof fetch
}

export class KubernetesMetricsSource implements MetricsSource {
  readonly description: string
  private requests = 0

  constructor(private readonly o: KubeMetricsOptions) {
    this.description = o.dcgmUrl ? 'metrics.k8s.io + DCGM exporter' : 'metrics.k8s.io'
  }

  requestCount(): number {
    return this.requests
  }

  async collect(targets: MetricsTarget[]): Promise<PodMetricSample[]> {
    if (targets.length === 0) return []
    const [usage, gpu] = await Promise.all([this.listUsage(), this.scrapeDcgm(targets)])
    return targets.map((t) => {
      const name = objectNames(t.podId).pod
      const b = new SampleBuilder(t.podId)
      if ('unavailable' in usage) b.missing(CPU_FIELDS, usage.unavailable)
      else {
        const item = usage.items.get(name)
        const container = item?.containers?.find((c) => c.name === CONTAINER_NAME)
        const noSample = 'no sample yet (metrics-server samples every 15 to 60 seconds)'
        const cpu = container?.usage?.cpu ? parseCpuUsage(container.usage.cpu) : null
        // millicores → % of one CPU, as Docker reports it
        b.set('cpuPercent', cpu === null ? null : Math.round(cpu) / 10, noSample)
        b.set(
          'memoryUsedBytes',
          container?.usage?.memory ? parseMemory(container.usage.memory) : null,
          noSample,
        )
      }
      const limit = this.o.watch.pods.get(name)?.spec?.containers?.find((c) => c.name === CONTAINER_NAME)
        ?.resources?.limits?.memory
      b.set('memoryLimitBytes', limit ? parseMemory(String(limit)) : null, 'the pod has no memory limit')
      b.missing(NET_FIELDS, 'metrics.k8s.io has no network figures')
      if (t.gpuCount === 0) b.missing(GPU_FIELDS, 'the pod has no GPU')
      else if ('unavailable' in gpu) b.missing(GPU_FIELDS, gpu.unavailable)
      else {
        const gpus = gpu.byPod.get(name)
        if (!gpus || gpus.length === 0) b.missing(GPU_FIELDS, 'the DCGM exporter reports no GPU for this pod')
        else {
          const all = <K extends keyof DcgmFigures>(k: K) =>
            gpus.some((g) => g[k] === null) ? null : gpus.map((g) => g[k] as number)
          const sum = (v: number[] | null) => (v ? v.reduce((a, c) => a + c, 0) : null)
          const util = all('util')
          const used = sum(all('fbUsedMiB'))
          const free = sum(all('fbFreeMiB'))
          const temps = all('tempC')
          const missing = 'the DCGM exporter does not report it'
          b.set(
            'gpuUtilizationPercent',
            util ? Math.round((sum(util)! / util.length) * 10) / 10 : null,
            missing,
          )
          b.set('vramUsedBytes', used === null ? null : used * MIB, missing)
          b.set('vramTotalBytes', used === null || free === null ? null : (used + free) * MIB, missing)
          b.set('gpuTemperatureC', temps ? Math.max(...temps) : null, missing)
          b.set('gpuPowerWatts', sum(all('powerW')), missing)
        }
      }
      return b.build()
    })
  }

  /** The whole namespace in one request. */
  private async listUsage(): Promise<{ items: Map<string, PodMetricsItem> } | { unavailable: string }> {
    this.requests++
    try {
      const list = (await kube('list pod metrics', () =>
        this.o.clients.custom.listNamespacedCustomObject({
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          namespace: this.o.namespace,
          plural: 'pods',
          labelSelector: MANAGED_SELECTOR,
        }),
      )) as { items?: PodMetricsItem[] }
      const items = new Map<string, PodMetricsItem>()
      for (const item of list.items ?? []) if (item.metadata?.name) items.set(item.metadata.name, item)
      return { items }
    } catch (error) {
      const e = kubeError(error, 'list pod metrics')
      if (e.code === 404 || e.code === 503)
        return { unavailable: 'metrics-server not installed (the cluster has no metrics.k8s.io API)' }
      if (e.code === 403) return { unavailable: 'the service account may not list metrics.k8s.io pods' }
      return { unavailable: `metrics.k8s.io is unavailable: ${e.message}` }
    }
  }

  private async scrapeDcgm(
    targets: MetricsTarget[],
  ): Promise<{ byPod: Map<string, DcgmFigures[]> } | { unavailable: string }> {
    if (!this.o.dcgmUrl) return { unavailable: 'no DCGM exporter configured (NEUROPOD_DCGM_EXPORTER_URL)' }
    if (!targets.some((t) => t.gpuCount > 0)) return { byPod: new Map() }
    try {
      const res = await (this.o.fetch ?? fetch)(this.o.dcgmUrl, { signal: AbortSignal.timeout(5000) })
      if (!res.ok) return { unavailable: `the DCGM exporter answered HTTP ${res.status}` }
      return { byPod: parseDcgm(await res.text(), this.o.namespace) }
    } catch (error) {
      return { unavailable: `the DCGM exporter is unreachable: ${(error as Error).message}` }
    }
  }

  close(): void {}
}
