/**
 * `npm run bench:metrics`: the per-pod metrics sampler (ADR 0017) with N running pods (default
 * 1,000) on a Kubernetes API that serves metrics.k8s.io for all of them (a local fake of the API
 * server, which counts requests), sampled every 10 s for 10 minutes of simulated time (an injected
 * clock). Prints the rows and bytes the history keeps, the sampler's CPU time per interval and the
 * runtime API requests per interval, with the meter tick of the same run as the baseline.
 * Database: embedded PGlite, or PostgreSQL with NEUROPOD_BENCH_DATABASE_URL.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { KubeConfig } from '@kubernetes/client-node'
import { Meter } from '../src/billing/meter.js'
import { type DatabaseHandle, openPglite, openPostgres } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import type { Clock } from '../src/lib/clock.js'
import { silentLogger } from '../src/lib/logger.js'
import { MetricsRepository } from '../src/metrics/metrics.repository.js'
import { MetricsSampler } from '../src/metrics/sampler.js'
import { PodsRepository } from '../src/pods/pods.repository.js'
import { LocalBus } from '../src/realtime/bus.js'
import type { ClusterWatch } from '../src/runtime/kubernetes/cluster-watch.js'
import { createClients } from '../src/runtime/kubernetes/kube-client.js'
import { KubernetesMetricsSource } from '../src/runtime/kubernetes/pod-metrics-source.js'
import { insertPods, msStats, runningPod, seedUsers } from './support.js'

const PODS = Number(process.env.BENCH_PODS ?? 1000)
const INTERVAL_S = 10
const MINUTES = 10

class BenchClock implements Clock {
  constructor(private t: number) {}
  now(): Date {
    return new Date(this.t)
  }
  advance(ms: number): void {
    this.t += ms
  }
}

async function main() {
  const url = process.env.NEUROPOD_BENCH_DATABASE_URL
  const database = url ? openPostgres(url) : await openPglite({})
  await migrateToLatest(database.db)
  const db = database.db
  const clock = new BenchClock(Date.parse('2026-06-01T12:00:00.000Z'))
  const podIds = await seed(database, clock.now())

  // metrics.k8s.io as metrics-server serves it: one PodMetricsList with every pod of the namespace.
  let requests = 0
  const body = JSON.stringify({
    kind: 'PodMetricsList',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {},
    items: podIds.map((id, i) => ({
      metadata: { name: `np-${id}`, namespace: 'neuropod' },
      timestamp: '2026-06-01T12:00:00Z',
      window: '15s',
      containers: [
        { name: 'main', usage: { cpu: `${(i % 4) * 250 + 10}m`, memory: `${64 + (i % 8) * 32}Mi` } },
      ],
    })),
  })
  const api = http.createServer((req, res) => {
    requests++
    if (!req.url?.startsWith('/apis/metrics.k8s.io/v1beta1/namespaces/neuropod/pods')) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body)
  })
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r))
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [
      {
        name: 'bench',
        server: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'bench', token: 'bench' }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench', namespace: 'neuropod' }],
    currentContext: 'bench',
  })
  const source = new KubernetesMetricsSource({
    clients: createClients(kc),
    namespace: 'neuropod',
    // Memory limits come from the informer cache, which this benchmark has no cluster for.
    watch: { pods: { get: () => undefined } } as unknown as ClusterWatch,
    dcgmUrl: null,
  })
  const repository = new MetricsRepository(db)
  const sampler = new MetricsSampler({
    repository,
    source,
    bus: new LocalBus(),
    clock,
    log: silentLogger,
    settings: { intervalSeconds: INTERVAL_S, rawRetentionMinutes: 60, minuteRetentionDays: 7 },
  })
  const meter = new Meter({
    db,
    podRows: new PodsRepository(db),
    clock,
    bus: new LocalBus(),
    onAutoStop: () => {},
    onError: (e) => console.error(e),
  })

  const cpu: number[] = []
  const wall: number[] = []
  const perInterval: number[] = []
  const meterMs: number[] = []
  for (let i = 0; i < (MINUTES * 60) / INTERVAL_S; i++) {
    clock.advance(INTERVAL_S * 1000)
    const before = requests
    const r = await sampler.sample()
    perInterval.push(requests - before)
    cpu.push(r.cpuMs)
    wall.push(r.durationMs)
    await sampler.maintain()
    if (i % (60 / INTERVAL_S) === 0) meterMs.push((await meter.tick()).durationMs)
  }
  const size = await repository.size()
  const stat = msStats
  const c = stat(cpu)
  const w = stat(wall)
  const m = stat(meterMs)
  const f = (n: number) => n.toFixed(1)
  console.log(
    `metrics bench: ${PODS} running pods, every ${INTERVAL_S} s for ${MINUTES} min of simulated time (${cpu.length} intervals), ${url ? 'PostgreSQL' : 'PGlite'}`,
  )
  console.log(`  rows kept:            ${size.samples} raw samples + ${size.minutes} 1-minute rows`)
  console.log(`  bytes kept:           ${(size.bytes / 1024 / 1024).toFixed(1)} MiB (tables and indexes)`)
  console.log(
    `  sampler CPU/interval: mean ${f(c.mean)} ms, p95 ${f(c.p95)} ms (wall mean ${f(w.mean)} ms, p95 ${f(w.p95)} ms)`,
  )
  console.log(
    `  runtime API requests: ${Math.min(...perInterval)}–${Math.max(...perInterval)} per interval for ${PODS} pods`,
  )
  console.log(`  meter tick baseline:  mean ${f(m.mean)} ms, p95 ${f(m.p95)} ms over ${meterMs.length} ticks`)
  console.log(
    `  sampler/meter ratio:  ${(w.mean / m.mean).toFixed(2)} (wall time of one interval / one meter tick)`,
  )
  api.close()
  await database.close()
}

/** 100 users with PODS/100 running pods each, written in bulk. */
async function seed(database: DatabaseHandle, now: Date): Promise<string[]> {
  const users = await seedUsers(database.db, 100, now, 1_000_000_000)
  const pods = Array.from({ length: PODS }, (_, i) =>
    runningPod(users[i % users.length]!.id, now, {
      name: `pod-${i}`,
      gpu: i % 2 === 0 ? 'rtx-4050' : 'cpu',
      runtime: 'kubernetes',
    }),
  )
  await insertPods(database.db, pods)
  return pods.map((p) => p.id)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
