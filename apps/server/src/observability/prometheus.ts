import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { PlatformStatsRepository } from './platform-stats.repository.js'

/**
 * The control plane's own metrics for the people who run it (issue 12, item 4), in one registry
 * served at GET /metrics. Counters and histograms are fed by hooks where the work happens; the
 * gauges read their value at scrape time (the database for pods, GPUs and the ledger, so every
 * replica reports the same figures; the process for queue length, sockets and leadership).
 */

export interface LiveFigures {
  /** Pods waiting in the reconciler's work queue, and being reconciled */
  reconcilerQueue(): { waiting: number; running: number }
  socketConnections(): number
  isLeader(): boolean
  runtimeKind: string
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export class PlatformMetrics {
  readonly registry = new Registry()
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>
  readonly reconcilerActions: Histogram<'action' | 'outcome'>
  readonly meterTick: Histogram
  readonly samplerInterval: Histogram
  readonly proxyRequests: Counter<'kind'>
  readonly proxyUpstreamErrors: Counter<'kind'>
  readonly runtimeErrors: Counter<'runtime' | 'operation'>
  private live: LiveFigures | null = null

  constructor(stats: PlatformStatsRepository) {
    const registers = [this.registry]
    this.httpDuration = new Histogram({
      name: 'neuropod_http_request_duration_seconds',
      help: 'API request duration by route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS,
      registers,
    })
    this.reconcilerActions = new Histogram({
      name: 'neuropod_reconciler_action_duration_seconds',
      help: 'Duration of reconciler actions (place, sync-access, stop, remove) by outcome',
      labelNames: ['action', 'outcome'],
      buckets: SECONDS,
      registers,
    })
    this.meterTick = new Histogram({
      name: 'neuropod_meter_tick_duration_seconds',
      help: 'Duration of a meter tick (settling every accruing pod)',
      buckets: SECONDS,
      registers,
    })
    this.samplerInterval = new Histogram({
      name: 'neuropod_metrics_sample_duration_seconds',
      help: 'Duration of one per-pod metrics collection (all running pods)',
      buckets: SECONDS,
      registers,
    })
    this.proxyRequests = new Counter({
      name: 'neuropod_proxy_requests_total',
      help: 'Requests to pod URLs handled by the proxy (http or websocket)',
      labelNames: ['kind'],
      registers,
    })
    this.proxyUpstreamErrors = new Counter({
      name: 'neuropod_proxy_upstream_errors_total',
      help: 'Pod URL requests whose pod could not be reached',
      labelNames: ['kind'],
      registers,
    })
    this.runtimeErrors = new Counter({
      name: 'neuropod_runtime_api_errors_total',
      help: 'Calls to the pod runtime (engine or cluster API) that failed, by operation',
      labelNames: ['runtime', 'operation'],
      registers,
    })
    // Zero series from the start, so rates work before the first request or error.
    for (const kind of ['http', 'websocket']) {
      this.proxyRequests.inc({ kind }, 0)
      this.proxyUpstreamErrors.inc({ kind }, 0)
    }
    const self = this
    new Gauge({
      name: 'neuropod_pods',
      help: 'Pods by state and GPU type (deleted pods excluded)',
      labelNames: ['state', 'gpu_type'],
      registers,
      async collect() {
        this.reset()
        for (const r of await stats.podsByState()) this.set({ state: r.state, gpu_type: r.gpuType }, r.pods)
      },
    })
    new Gauge({
      name: 'neuropod_gpus_in_use',
      help: 'GPUs held by pods whose container runs, by type',
      labelNames: ['gpu_type'],
      registers,
      async collect() {
        this.reset()
        for (const r of await stats.gpusInUse()) this.set({ gpu_type: r.gpuType }, r.gpus)
      },
    })
    new Gauge({
      name: 'neuropod_gpu_allocations',
      help: 'GPU devices the platform placed pods on (docker runtime), by type',
      labelNames: ['gpu_type'],
      registers,
      async collect() {
        this.reset()
        for (const r of await stats.gpuAllocations()) this.set({ gpu_type: r.gpuType }, r.devices)
      },
    })
    new Gauge({
      name: 'neuropod_ledger_amount_micro_euros',
      help: 'Sum of ledger entries by type, in micro-euros (usage is negative)',
      labelNames: ['type'],
      registers,
      async collect() {
        this.reset()
        for (const r of await stats.ledgerTotals()) this.set({ type: r.type }, r.microEuros)
      },
    })
    new Gauge({
      name: 'neuropod_ledger_entries',
      help: 'Ledger entries by type',
      labelNames: ['type'],
      registers,
      async collect() {
        this.reset()
        for (const r of await stats.ledgerTotals()) this.set({ type: r.type }, r.entries)
      },
    })
    new Gauge({
      name: 'neuropod_reconciler_queue_length',
      help: 'Pods waiting in the reconciler work queue (state=waiting) or being reconciled (state=running)',
      labelNames: ['state'],
      registers,
      collect() {
        const q = self.live?.reconcilerQueue() ?? { waiting: 0, running: 0 }
        this.set({ state: 'waiting' }, q.waiting)
        this.set({ state: 'running' }, q.running)
      },
    })
    new Gauge({
      name: 'neuropod_socket_connections',
      help: 'Realtime (Socket.IO) connections on this replica',
      registers,
      collect() {
        this.set(self.live?.socketConnections() ?? 0)
      },
    })
    new Gauge({
      name: 'neuropod_leader',
      help: '1 when this replica leads (runs the reconciler, meter and sampler), else 0',
      labelNames: ['runtime'],
      registers,
      collect() {
        this.reset()
        this.set({ runtime: self.live?.runtimeKind ?? 'unknown' }, self.live?.isLeader() ? 1 : 0)
      },
    })
  }

  /** What only the running process knows (bound once the realtime server exists). */
  bind(live: LiveFigures): void {
    this.live = live
  }

  contentType(): string {
    return this.registry.contentType
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }
}

/** Every metric family /metrics serves (the scrape test checks each one is there). */
export const METRIC_NAMES = [
  'neuropod_http_request_duration_seconds',
  'neuropod_pods',
  'neuropod_gpus_in_use',
  'neuropod_gpu_allocations',
  'neuropod_reconciler_queue_length',
  'neuropod_reconciler_action_duration_seconds',
  'neuropod_meter_tick_duration_seconds',
  'neuropod_metrics_sample_duration_seconds',
  'neuropod_ledger_amount_micro_euros',
  'neuropod_ledger_entries',
  'neuropod_proxy_requests_total',
  'neuropod_proxy_upstream_errors_total',
  'neuropod_socket_connections',
  'neuropod_runtime_api_errors_total',
  'neuropod_leader',
] as const
