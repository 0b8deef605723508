import http from 'node:http'
import type { HttpServiceRecord, PodRow, PodStatusValue } from '../../db/schema.js'
import type { Transactions } from '../../db/transaction.js'
import type { Clock } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import type { PodRuntime } from '../../runtime/pod-runtime.js'
import type { EventInput, PodPublisher } from '../pod-publisher.js'
import type { PodsRepository } from '../pods.repository.js'

const PROBE_FAST_MS = 100
const PROBE_SLOW_MS = 5_000
/** Pods probed per round, so a thousand starting pods do not open a thousand sockets at once. */
const PROBES_PER_ROUND = 32

export type ReadinessPod = Pick<PodRow, 'status' | 'status_reason' | 'started_at' | 'http_services'>

export interface ReadinessOutcome {
  services: HttpServiceRecord[]
  status: PodStatusValue
  reason: string | null
  allReady: boolean
  /** The grace period since the container started is over: silent ports count as errors */
  pastGrace: boolean
  /** Something a user sees changed: write it */
  changed: boolean
  /** The event that commits with the change, if any */
  event: EventInput | null
}

/**
 * A running container's HTTP services after one round of probes (`answered[i]` for service i):
 * the pod is `running` once every port answers, or once the grace period is over (with a reason
 * naming the silent ports).
 */
export function evaluateReadiness(
  pod: ReadinessPod,
  answered: boolean[],
  now: Date,
  graceSeconds: number,
): ReadinessOutcome {
  const allReady = answered.every(Boolean)
  const pastGrace =
    pod.started_at !== null && now.getTime() - new Date(pod.started_at).getTime() > graceSeconds * 1000
  const services: HttpServiceRecord[] = pod.http_services.map((s, i) => {
    if (answered[i]) return { ...s, status: 'ready', statusReason: null }
    return pastGrace ? { ...s, status: 'error', statusReason: `Nothing answers on port ${s.port} yet` } : s
  })
  let status = pod.status
  let reason = pod.status_reason
  if (allReady) {
    status = 'running'
    reason = null
  } else if (pastGrace && pod.status === 'creating') {
    status = 'running'
    const silent = services.filter((s) => s.status !== 'ready').map((s) => s.port)
    reason = `Running; port(s) ${silent.join(', ')} not answering`
  }
  const servicesChanged = services.some((s, i) => s.status !== pod.http_services[i]?.status)
  const changed = servicesChanged || status !== pod.status || reason !== pod.status_reason
  let event: EventInput | null = null
  if (status === 'running' && pod.status === 'creating') {
    event = allReady
      ? { type: 'normal', reason: 'Ready', message: 'All HTTP services answer', progress: 100 }
      : { type: 'warning', reason: 'NotReady', message: reason ?? '', progress: 100 }
  } else if (allReady) {
    event = { type: 'normal', reason: 'Ready', message: 'All HTTP services answer', progress: 100 }
  }
  return { services, status, reason, allReady, pastGrace, changed, event }
}

/** Any HTTP answer (even 401 or 404) means the service listens; only connection failures and timeouts do not. */
export function probeHttp(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port,
        path: '/',
        method: 'GET',
        timeout: timeoutMs,
        headers: { 'user-agent': 'NeuroPod-probe' },
      },
      (res) => {
        res.resume()
        req.destroy()
        resolve(true)
      },
    )
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.on('error', () => resolve(false))
    req.end()
  })
}

export interface ReadinessDeps {
  pods: PodsRepository
  transactions: Transactions
  runtime: Pick<PodRuntime, 'endpoint' | 'clusterReady'>
  publisher: PodPublisher
  clock: Clock
  log: Logger
  graceSeconds: number
}

interface ProbeState {
  /** performance.now() of the next probe: real elapsed time, never the domain clock */
  nextAt: number
  delay: number
}

/**
 * Asks every HTTP port of running containers whether it answers, often at first and every few
 * seconds once the grace period is over, until all answer or the pod stops.
 */
export class Readiness {
  private readonly probing = new Map<string, ProbeState>()
  private timer: NodeJS.Timeout | null = null
  private roundRunning = false

  constructor(private readonly deps: ReadinessDeps) {}

  start(): void {
    this.timer ??= setInterval(() => void this.probeDue(), PROBE_FAST_MS)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.probing.clear()
  }

  track(podId: string): void {
    if (!this.probing.has(podId)) this.probing.set(podId, { nextAt: 0, delay: PROBE_FAST_MS })
  }

  untrack(podId: string): void {
    this.probing.delete(podId)
  }

  private async probeDue(): Promise<void> {
    if (this.roundRunning || this.probing.size === 0) return
    this.roundRunning = true
    try {
      const now = performance.now()
      const due = [...this.probing].filter(([, s]) => s.nextAt <= now).slice(0, PROBES_PER_ROUND)
      await Promise.all(due.map(([podId, state]) => this.probePod(podId, state)))
    } finally {
      this.roundRunning = false
    }
  }

  private async probePod(podId: string, state: ProbeState): Promise<void> {
    try {
      const pod = await this.deps.pods.byId(podId)
      if (
        !pod?.compute_active ||
        !['creating', 'running'].includes(pod.status) ||
        pod.desired_state !== 'running'
      ) {
        this.probing.delete(podId)
        return
      }
      // The cluster's word first (the kubelet probes the ports from the node, so this needs no route
      // to the pod); the platform's own probe where it can reach the pod.
      const clusterReady = this.deps.runtime.clusterReady?.(podId) === true
      const answered = await Promise.all(
        pod.http_services.map(async (s) => {
          if (s.status === 'ready' || clusterReady) return true
          const endpoint = await this.deps.runtime.endpoint(podId, s.port)
          return endpoint ? probeHttp(endpoint.host, endpoint.port) : false
        }),
      )
      const now = this.deps.clock.now()
      const outcome = evaluateReadiness(pod, answered, now, this.deps.graceSeconds)
      if (outcome.changed) await this.record(podId, outcome, now)
      if (outcome.allReady) this.probing.delete(podId)
      else {
        state.delay = outcome.pastGrace ? PROBE_SLOW_MS : Math.min(1000, state.delay * 1.5)
        state.nextAt = performance.now() + state.delay
      }
    } catch (error) {
      this.deps.log.warn({ err: error, podId }, 'readiness probe failed')
      state.nextAt = performance.now() + PROBE_SLOW_MS
    }
  }

  private async record(podId: string, outcome: ReadinessOutcome, now: Date): Promise<void> {
    // The status and its event commit together, so whoever sees `running` also sees `Ready`.
    const updated = await this.deps.transactions.run(async (tx) => {
      const written = await this.deps.pods.setReadiness(tx, podId, outcome, now)
      if (written && outcome.event) await this.deps.publisher.event(podId, outcome.event, tx)
      return written
    })
    if (updated) await this.deps.publisher.update(podId)
  }
}
