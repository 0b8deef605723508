import type { Kysely } from 'kysely'
import { settleAndAnnounce } from '../billing/settlement.js'
import type { Database, HttpServiceRecord, PodRow, TcpServiceRecord } from '../db/schema.js'
import { runInTransaction } from '../db/transaction.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { SecretBox } from '../lib/secrets.js'
import { gpuDisplayName } from '../pricing/catalog.js'
import type { PricingService } from '../pricing/pricing.service.js'
import type { Bus } from '../realtime/bus.js'
import {
  type OrphanReport,
  type PodObservation,
  type PodRuntime,
  type PodSpec,
  type RuntimeEvent,
  type RuntimeListener,
  RuntimeRejectedError,
  RuntimeWaitError,
} from '../runtime/pod-runtime.js'
import { allocateGpus, releaseGpus } from './gpu-allocator.js'
import type { PodPublisher } from './pod-publisher.js'
import { JUPYTER_PORT } from './pod-validation.js'
import { probeHttp } from './prober.js'

/**
 * Drives the runtime towards each pod's desired state and records what the runtime observes.
 *
 * - The API only writes intent (`desired_state`) and wakes the reconciler; no request waits on a
 *   container.
 * - Work is per pod and never runs twice at once for the same pod; observations are applied with
 *   compare-and-set updates, so they are safe alongside a reconcile in flight.
 * - After a restart `resync()` compares the database with the runtime and converges: transitional
 *   states are re-driven, containers that vanished are reported, orphans are reported or removed.
 * - Everything that changes what accrues (container up or gone, pod deleted) settles the meter in
 *   the same transaction.
 */

export interface ReconcilerDeps {
  db: Kysely<Database>
  clock: Clock
  runtime: PodRuntime
  publisher: PodPublisher
  pricing: PricingService
  secrets: SecretBox
  bus: Bus
  log: Logger
  readinessGraceSeconds: number
  resyncIntervalSeconds: number
  cleanupOrphans: boolean
  concurrency?: number
}

const RETRY_MAX_MS = 60_000
const PROBE_FAST_MS = 100
const PROBE_SLOW_MS = 5_000

interface ProbeState {
  nextAt: number
  delay: number
}

export class Reconciler implements RuntimeListener {
  private readonly queue = new Set<string>()
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly retries = new Map<string, { attempt: number; timer: NodeJS.Timeout }>()
  private readonly observationChains = new Map<string, Promise<unknown>>()
  private readonly probing = new Map<string, ProbeState>()
  private probeTimer: NodeJS.Timeout | null = null
  private probeRunning = false
  private resyncTimer: NodeJS.Timeout | null = null
  private active = false
  private runtimeReachable = true
  private unreachableDetail: string | null = null
  lastOrphans: { at: string; orphans: OrphanReport[] } | null = null

  constructor(private readonly deps: ReconcilerDeps) {}

  get isActive(): boolean {
    return this.active
  }

  /** Become the replica that reconciles (leader). */
  async activate(): Promise<void> {
    if (this.active) return
    this.active = true
    this.probeTimer = setInterval(() => void this.probeDue(), PROBE_FAST_MS)
    this.resyncTimer = setInterval(() => void this.resyncSafely(), this.deps.resyncIntervalSeconds * 1000)
    await this.resyncSafely()
  }

  /** Stop taking work and wait for work in flight (graceful shutdown, lost leadership). */
  async deactivate(): Promise<void> {
    this.active = false
    if (this.probeTimer) clearInterval(this.probeTimer)
    if (this.resyncTimer) clearInterval(this.resyncTimer)
    this.probeTimer = this.resyncTimer = null
    for (const r of this.retries.values()) clearTimeout(r.timer)
    this.retries.clear()
    this.queue.clear()
    this.probing.clear()
    await Promise.allSettled([...this.inFlight.values(), ...this.observationChains.values()])
  }

  // ---------------------------------------------------------------- queue

  enqueue(podId: string): void {
    if (!this.active) return
    this.queue.add(podId)
    this.pump()
  }

  /** Resolves when no reconcile work is queued or running (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.queue.size > 0 || this.inFlight.size > 0 || this.observationChains.size > 0) {
      await Promise.allSettled([...this.inFlight.values(), ...this.observationChains.values()])
      await new Promise((r) => setImmediate(r))
    }
  }

  private pump(): void {
    const limit = this.deps.concurrency ?? 16
    for (const podId of [...this.queue]) {
      if (this.inFlight.size >= limit) return
      if (this.inFlight.has(podId)) continue
      this.queue.delete(podId)
      const work = this.reconcilePod(podId)
        .catch((error) => this.deps.log.error({ err: error, podId }, 'reconcile failed'))
        .finally(() => {
          this.inFlight.delete(podId)
          this.pump()
        })
      this.inFlight.set(podId, work)
    }
  }

  private retryLater(podId: string, reason: string): void {
    const previous = this.retries.get(podId)
    if (previous) clearTimeout(previous.timer)
    const attempt = (previous?.attempt ?? 0) + 1
    const delay = Math.min(RETRY_MAX_MS, 500 * 2 ** Math.min(attempt, 8))
    this.deps.log.warn({ podId, attempt, delay, reason }, 'reconcile will retry')
    const timer = setTimeout(() => {
      this.retries.set(podId, { attempt, timer })
      this.enqueue(podId)
    }, delay)
    this.retries.set(podId, { attempt, timer })
  }

  private clearRetry(podId: string): void {
    const r = this.retries.get(podId)
    if (r) clearTimeout(r.timer)
    this.retries.delete(podId)
  }

  // ---------------------------------------------------------------- reconcile

  private async load(podId: string): Promise<PodRow | undefined> {
    return this.deps.db.selectFrom('pods').selectAll().where('id', '=', podId).executeTakeFirst()
  }

  private async reconcilePod(podId: string): Promise<void> {
    const pod = await this.load(podId)
    if (!pod || pod.status === 'deleted') return
    try {
      switch (pod.desired_state) {
        case 'running':
          if (pod.status === 'pending') await this.place(pod)
          else if (pod.status === 'creating' && !pod.compute_active) await this.place(pod)
          else if (pod.compute_active) await this.syncAccess(pod)
          break
        case 'stopped':
          if (pod.status !== 'stopped') await this.stop(pod)
          break
        case 'deleted':
          await this.remove(pod)
          break
      }
      this.clearRetry(podId)
    } catch (error) {
      if (error instanceof RuntimeRejectedError) {
        await this.fail(podId, `The runtime rejected the pod: ${error.message}`, null)
        return
      }
      const message = error instanceof Error ? error.message : String(error)
      await this.setReason(podId, `Runtime error, retrying: ${message}`)
      this.retryLater(podId, message)
    }
  }

  /** desired running, status pending: reserve GPUs if the platform places them, then ask the runtime. */
  private async place(pod: PodRow): Promise<void> {
    let deviceIds: string[] | null = null
    if (pod.gpu !== 'cpu' && pod.gpu_count > 0) {
      const inventory = await this.deps.runtime.gpuDevices()
      if (inventory) {
        const now = this.deps.clock.now()
        const allocation = await this.deps.db
          .transaction()
          .execute((trx) => allocateGpus(trx, pod.id, pod.gpu, pod.gpu_count, inventory, now))
        if (!allocation.ok) {
          const name = gpuDisplayName(pod.gpu, await this.deps.pricing.get())
          const reason =
            allocation.total === 0
              ? `Waiting for a GPU: this machine has no ${name}`
              : `Waiting for a free ${name}: ${allocation.free} of ${allocation.total} free, ${pod.gpu_count} needed`
          if (pod.status_reason !== reason) {
            await this.casUpdate(pod.id, ['pending'], { status_reason: reason })
            await this.deps.publisher.event(pod.id, {
              type: 'warning',
              reason: 'Waiting',
              message: reason,
              progress: 5,
            })
            await this.deps.publisher.update(pod.id)
          }
          return // re-enqueued when a GPU is released, and by every resync
        }
        deviceIds = allocation.deviceIds
      }
    }
    const spec = this.spec(pod, deviceIds)
    try {
      await this.deps.runtime.ensureRunning(spec)
    } catch (error) {
      if (error instanceof RuntimeWaitError) {
        await this.casUpdate(pod.id, ['pending'], { status_reason: error.message })
        await this.deps.publisher.update(pod.id)
        return
      }
      throw error
    }
    const moved = await this.casUpdate(pod.id, ['pending'], { status: 'creating', status_reason: null })
    if (moved) await this.deps.publisher.update(pod.id)
  }

  private spec(pod: PodRow, deviceIds: string[] | null): PodSpec {
    const token = pod.jupyter_token_sealed ? this.deps.secrets.open(pod.jupyter_token_sealed) : null
    const env: Record<string, string> = {
      ...pod.env,
      NEUROPOD_POD_ID: pod.id,
      NEUROPOD_WORKSPACE: pod.volume_path,
      NEUROPOD_GPU: pod.gpu,
    }
    if (token) {
      env.JUPYTER_TOKEN = token
      env.JUPYTER_PORT = String(JUPYTER_PORT)
    }
    return {
      podId: pod.id,
      slug: pod.slug,
      userId: pod.user_id,
      image: pod.docker_image,
      env,
      startCommand: pod.start_command,
      httpPorts: pod.http_services.map((s) => s.port),
      publicHttpPorts: pod.http_services.filter((s) => s.access === 'public').map((s) => s.port),
      tcpPorts: pod.tcp_services.map((s) => s.port),
      volumePath: pod.volume_path,
      volumeSizeGb: pod.volume_disk_size,
      containerDiskGb: pod.container_disk_size,
      gpu: pod.gpu !== 'cpu' && pod.gpu_count > 0 ? { type: pod.gpu, count: pod.gpu_count, deviceIds } : null,
      jupyter: token ? { token, port: JUPYTER_PORT } : null,
    }
  }

  private async stop(pod: PodRow): Promise<void> {
    if (pod.status !== 'stopping') {
      await this.casUpdate(
        pod.id,
        ['pending', 'creating', 'running', 'error'],
        { status: 'stopping' },
        'stopped',
      )
      await this.deps.publisher.update(pod.id)
    }
    this.probing.delete(pod.id)
    await this.deps.runtime.ensureStopped(pod.id)
    const now = this.deps.clock.now()
    const done = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      const current = await trx
        .selectFrom('pods')
        .selectAll()
        .where('id', '=', pod.id)
        .forUpdate()
        .executeTakeFirst()
      if (current?.desired_state !== 'stopped' || current.status === 'stopped') return false
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id])
      await releaseGpus(trx, pod.id)
      await trx
        .updateTable('pods')
        .set({
          status: 'stopped',
          // Keep the reason when the meter stopped the pod or it had failed, so the user sees why.
          status_reason: current.status_reason?.startsWith('Stopped:') ? current.status_reason : null,
          compute_active: false,
          stopped_at: now,
          http_services: JSON.stringify(
            current.http_services.map((s) => ({ ...s, status: 'stopped', statusReason: null })),
          ),
          tcp_services: JSON.stringify(
            current.tcp_services.map((s) => ({ ...s, status: 'stopped', host: null, hostPort: null })),
          ),
          updated_at: now,
        })
        .where('id', '=', pod.id)
        .execute()
      return true
    })
    if (done) {
      await this.deps.publisher.event(pod.id, {
        type: 'normal',
        reason: 'Stopped',
        message: 'Pod stopped; its volume and URLs are kept',
        progress: null,
      })
      await this.deps.publisher.update(pod.id)
      this.wakeWaiting()
    }
  }

  private async remove(pod: PodRow): Promise<void> {
    if (pod.status !== 'deleting') await this.casUpdate(pod.id, null, { status: 'deleting' })
    this.probing.delete(pod.id)
    await this.deps.runtime.ensureDeleted(pod.id)
    const now = this.deps.clock.now()
    const done = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      const current = await trx
        .selectFrom('pods')
        .select(['status', 'desired_state'])
        .where('id', '=', pod.id)
        .forUpdate()
        .executeTakeFirst()
      if (current?.desired_state !== 'deleted' || current.status === 'deleted') return false
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id])
      await releaseGpus(trx, pod.id)
      await trx
        .updateTable('pods')
        .set({
          status: 'deleted',
          deleted_at: now,
          billed_until: null,
          compute_active: false,
          jupyter_token_sealed: null,
          updated_at: now,
        })
        .where('id', '=', pod.id)
        .execute()
      return true
    })
    if (done) {
      this.deps.publisher.deleted(pod.id, pod.user_id, pod.name)
      this.wakeWaiting()
    }
  }

  /** A GPU was released: pods waiting for one get another chance. */
  private wakeWaiting(): void {
    this.deps.db
      .selectFrom('pods')
      .select('id')
      .where('status', '=', 'pending')
      .where('desired_state', '=', 'running')
      .where('gpu', '<>', 'cpu')
      .orderBy('updated_at')
      .execute()
      .then((rows) => {
        for (const r of rows) this.enqueue(r.id)
      })
      .catch((error) => this.deps.log.error({ err: error }, 'waking pending pods failed'))
  }

  /** Conditional update: applies only while the pod is in one of `statuses` and wants `desired`. */
  private async casUpdate(
    podId: string,
    statuses: PodRow['status'][] | null,
    set: Partial<Pick<PodRow, 'status' | 'status_reason'>>,
    desired: PodRow['desired_state'] | null = null,
  ): Promise<boolean> {
    let q = this.deps.db
      .updateTable('pods')
      .set({ ...set, updated_at: this.deps.clock.now() })
      .where('id', '=', podId)
      .where('status', '<>', 'deleted')
    if (statuses) q = q.where('status', 'in', statuses)
    if (desired) q = q.where('desired_state', '=', desired)
    const result = await q.executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  private async setReason(podId: string, reason: string): Promise<void> {
    if (
      await this.casUpdate(podId, ['pending', 'creating', 'stopping', 'deleting'], {
        status_reason: reason.slice(0, 500),
      })
    ) {
      await this.deps.publisher.update(podId)
    }
  }

  private async fail(podId: string, reason: string, exitCode: number | null): Promise<void> {
    const now = this.deps.clock.now()
    const changed = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      const pod = await trx
        .selectFrom('pods')
        .selectAll()
        .where('id', '=', podId)
        .forUpdate()
        .executeTakeFirst()
      if (pod?.desired_state !== 'running' || !['pending', 'creating', 'running'].includes(pod.status))
        return null
      await settleAndAnnounce(tx, this.deps.bus, now, [podId])
      await releaseGpus(trx, podId)
      await trx
        .updateTable('pods')
        .set({
          status: 'error',
          status_reason: reason.slice(0, 500),
          exit_code: exitCode,
          compute_active: false,
          stopped_at: now,
          http_services: JSON.stringify(
            pod.http_services.map((s) => ({
              ...s,
              status: 'error',
              statusReason: 'The container is not running',
            })),
          ),
          tcp_services: JSON.stringify(
            pod.tcp_services.map((s) => ({ ...s, status: 'error', host: null, hostPort: null })),
          ),
          updated_at: now,
        })
        .where('id', '=', podId)
        .execute()
      return pod
    })
    if (!changed) return
    this.probing.delete(podId)
    // The status first: it is what a watching user waits for (the event row costs another write).
    await this.deps.publisher.update(podId)
    await this.deps.publisher.event(podId, {
      type: 'warning',
      reason: 'Failed',
      message: reason,
      progress: null,
    })
    this.deps.bus.publish({
      kind: 'admins',
      event: 'adminNotification',
      payload: {
        type: 'adminNotification',
        kind: 'podFailed',
        message: `Pod ${changed.name} failed: ${reason}`,
        podId,
        userId: changed.user_id,
        timestamp: now.toISOString(),
      },
    })
    this.wakeWaiting()
  }

  // ---------------------------------------------------------------- observations

  observed(observation: PodObservation): void {
    if (!this.active) return
    this.chain(observation.podId, () => this.applyObservation(observation))
  }

  event(event: RuntimeEvent): void {
    if (!this.active) return
    this.chain(event.podId, () => this.deps.publisher.event(event.podId, event))
  }

  resync(): void {
    void this.resyncSafely()
  }

  connectivity(reachable: boolean, detail: string | null): void {
    if (reachable === this.runtimeReachable) return
    this.runtimeReachable = reachable
    this.unreachableDetail = reachable ? null : (detail ?? 'no detail')
    this.deps.log[reachable ? 'info' : 'warn'](
      { detail },
      reachable ? 'runtime reachable again' : 'runtime unreachable',
    )
    if (!this.active) return
    this.deps.bus.publish({
      kind: 'admins',
      event: 'adminNotification',
      payload: {
        type: 'adminNotification',
        kind: reachable ? 'runtimeRecovered' : 'runtimeUnreachable',
        message: reachable
          ? 'The container runtime is reachable again'
          : `The container runtime is unreachable${detail ? `: ${detail}` : ''}`,
        timestamp: this.deps.clock.now().toISOString(),
      },
    })
    if (reachable) void this.resyncSafely()
    // Pod views carry the runtime's reachability in their status reason: push the change.
    void this.publishLivePods()
  }

  get reachable(): boolean {
    return this.runtimeReachable
  }

  /** Why the runtime is unreachable, or null while it is reachable. */
  get unreachableReason(): string | null {
    return this.unreachableDetail
  }

  private async publishLivePods(): Promise<void> {
    try {
      const rows = await this.deps.db
        .selectFrom('pods')
        .select('id')
        .where('status', 'in', ['pending', 'creating', 'running', 'stopping', 'deleting'])
        .execute()
      for (const r of rows) await this.deps.publisher.update(r.id)
    } catch (error) {
      this.deps.log.warn({ err: error }, 'publishing pods after a runtime connectivity change failed')
    }
  }

  /** Observations of one pod are applied in order, one at a time. */
  private chain(podId: string, work: () => Promise<unknown>): void {
    const previous = this.observationChains.get(podId) ?? Promise.resolve()
    const next = previous
      .then(work)
      .catch((error) => this.deps.log.error({ err: error, podId }, 'applying runtime observation failed'))
      .finally(() => {
        if (this.observationChains.get(podId) === next) this.observationChains.delete(podId)
      })
    this.observationChains.set(podId, next)
  }

  private async applyObservation(o: PodObservation, duringResync = false): Promise<void> {
    const pod = await this.load(o.podId)
    if (!pod || pod.status === 'deleted') return
    if (pod.desired_state !== 'running') {
      // A stop or delete is pending: the reconcile loop finishes it.
      if (o.phase !== 'absent' || pod.status !== (pod.desired_state === 'stopped' ? 'stopped' : 'deleted'))
        this.enqueue(pod.id)
      return
    }
    switch (o.phase) {
      case 'pending':
        if (
          ['pending', 'creating'].includes(pod.status) &&
          !pod.compute_active &&
          pod.status_reason !== o.reason
        ) {
          if (
            await this.casUpdate(pod.id, ['pending', 'creating'], {
              status: 'pending',
              status_reason: o.reason,
            })
          )
            await this.deps.publisher.update(pod.id)
        }
        return
      case 'creating':
        if (pod.status === 'pending' || (pod.status === 'creating' && pod.status_reason !== o.reason)) {
          if (
            await this.casUpdate(pod.id, ['pending', 'creating'], {
              status: 'creating',
              status_reason: o.reason,
            })
          )
            await this.deps.publisher.update(pod.id)
        }
        return
      case 'running':
        // Resync also re-applies per-port access, in case a change was lost with its reconcile message.
        if (duringResync)
          await this.syncAccess(pod).catch((error) =>
            this.deps.log.warn({ err: error, podId: pod.id }, 're-applying port access failed; will retry'),
          )
        return this.containerRunning(pod, o)
      case 'exited':
      case 'failed':
        if (!['pending', 'creating', 'running'].includes(pod.status)) return
        return this.fail(
          pod.id,
          o.phase === 'failed' ? (o.reason ?? 'The runtime could not run the pod') : exitReason(o),
          o.exitCode,
        )
      case 'absent':
        if (pod.status === 'running' || (pod.status === 'creating' && pod.compute_active)) {
          if (this.deps.runtime.persistent)
            return this.fail(pod.id, 'The container was removed outside NeuroPod', null)
        }
        if (pod.status === 'creating' && (duringResync || !this.deps.runtime.persistent)) {
          // Interrupted before the container existed (or the simulation restarted): create it again.
          await this.resetToPending(pod.id, 'Re-creating the container after a restart')
        } else if (pod.status === 'running' && !this.deps.runtime.persistent) {
          await this.resetToPending(pod.id, 'The simulated runtime restarted; starting the pod again')
        }
        return
    }
  }

  /** Runtimes that enforce per-port access themselves (kubernetes Ingresses) get the current one. */
  private async syncAccess(pod: PodRow): Promise<void> {
    if (!this.deps.runtime.updateAccess || !['creating', 'running'].includes(pod.status)) return
    await this.deps.runtime.updateAccess(this.spec(pod, null))
  }

  private async resetToPending(podId: string, reason: string): Promise<void> {
    const now = this.deps.clock.now()
    await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      await settleAndAnnounce(tx, this.deps.bus, now, [podId])
      await trx
        .updateTable('pods')
        .set({ status: 'pending', status_reason: reason, compute_active: false, updated_at: now })
        .where('id', '=', podId)
        .where('desired_state', '=', 'running')
        .where('status', 'in', ['creating', 'running'])
        .execute()
    })
    await this.deps.publisher.update(podId)
    this.enqueue(podId)
  }

  private async containerRunning(pod: PodRow, o: PodObservation): Promise<void> {
    if (!['pending', 'creating', 'running'].includes(pod.status)) return
    const tcp = tcpWithEndpoints(pod.tcp_services, o)
    if (pod.compute_active) {
      if (JSON.stringify(tcp) !== JSON.stringify(pod.tcp_services)) {
        await this.deps.db
          .updateTable('pods')
          .set({ tcp_services: JSON.stringify(tcp) })
          .where('id', '=', pod.id)
          .execute()
        await this.deps.publisher.update(pod.id)
      }
      if (pod.http_services.some((s) => s.status !== 'ready')) this.track(pod.id)
      return
    }
    const now = this.deps.clock.now()
    const started = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      const current = await trx
        .selectFrom('pods')
        .select(['status', 'compute_active', 'desired_state'])
        .where('id', '=', pod.id)
        .forUpdate()
        .executeTakeFirst()
      if (
        !current ||
        current.compute_active ||
        current.desired_state !== 'running' ||
        !['pending', 'creating'].includes(current.status)
      )
        return false
      // Compute accrues from this instant: settle storage-only time first.
      await settleAndAnnounce(tx, this.deps.bus, now, [pod.id])
      await trx
        .updateTable('pods')
        .set({
          status: 'creating',
          status_reason: 'Waiting for the HTTP services to answer',
          compute_active: true,
          started_at: o.startedAt ?? now,
          stopped_at: null,
          exit_code: null,
          http_services: JSON.stringify(
            pod.http_services.map((s) => ({ ...s, status: 'creating', statusReason: null })),
          ),
          tcp_services: JSON.stringify(tcp),
          updated_at: now,
        })
        .where('id', '=', pod.id)
        .execute()
      return true
    })
    if (!started) return
    await this.deps.publisher.update(pod.id)
    this.track(pod.id)
  }

  // ---------------------------------------------------------------- readiness

  private track(podId: string): void {
    if (!this.probing.has(podId)) this.probing.set(podId, { nextAt: 0, delay: PROBE_FAST_MS })
  }

  private async probeDue(): Promise<void> {
    if (this.probeRunning || this.probing.size === 0) return
    this.probeRunning = true
    try {
      const now = Date.now()
      const due = [...this.probing].filter(([, s]) => s.nextAt <= now).slice(0, 32)
      await Promise.all(due.map(([podId, state]) => this.probePod(podId, state)))
    } finally {
      this.probeRunning = false
    }
  }

  private async probePod(podId: string, state: ProbeState): Promise<void> {
    try {
      const pod = await this.load(podId)
      if (
        !pod?.compute_active ||
        !['creating', 'running'].includes(pod.status) ||
        pod.desired_state !== 'running'
      ) {
        this.probing.delete(podId)
        return
      }
      const results = await Promise.all(
        pod.http_services.map(async (s) => {
          if (s.status === 'ready') return true
          const endpoint = await this.deps.runtime.endpoint(podId, s.port)
          return endpoint ? probeHttp(endpoint.host, endpoint.port) : false
        }),
      )
      const now = this.deps.clock.now()
      const allReady = results.every(Boolean)
      const pastGrace =
        pod.started_at !== null &&
        now.getTime() - new Date(pod.started_at).getTime() > this.deps.readinessGraceSeconds * 1000
      const services: HttpServiceRecord[] = pod.http_services.map((s, i) => {
        if (results[i]) return { ...s, status: 'ready', statusReason: null }
        return pastGrace
          ? { ...s, status: 'error', statusReason: `Nothing answers on port ${s.port} yet` }
          : s
      })
      const becameReady = services.some((s, i) => s.status !== pod.http_services[i]?.status)
      let status = pod.status
      let reason = pod.status_reason
      if (allReady) {
        status = 'running'
        reason = null
      } else if (pastGrace && pod.status === 'creating') {
        status = 'running'
        reason = `Running; port(s) ${services
          .filter((s) => s.status !== 'ready')
          .map((s) => s.port)
          .join(', ')} not answering`
      }
      if (becameReady || status !== pod.status || reason !== pod.status_reason) {
        // The status and its event commit together, so whoever sees `running` also sees `Ready`.
        const updated = await runInTransaction(this.deps.db, async (tx) => {
          const { trx } = tx
          const result = await trx
            .updateTable('pods')
            .set({ status, status_reason: reason, http_services: JSON.stringify(services), updated_at: now })
            .where('id', '=', podId)
            .where('desired_state', '=', 'running')
            .where('compute_active', '=', true)
            .where('status', 'in', ['creating', 'running'])
            .executeTakeFirst()
          if (Number(result.numUpdatedRows) === 0) return false
          if (status === 'running' && pod.status === 'creating') {
            await this.deps.publisher.event(
              podId,
              {
                type: allReady ? 'normal' : 'warning',
                reason: allReady ? 'Ready' : 'NotReady',
                message: allReady ? 'All HTTP services answer' : (reason ?? ''),
                progress: 100,
              },
              tx,
            )
          } else if (allReady) {
            await this.deps.publisher.event(
              podId,
              { type: 'normal', reason: 'Ready', message: 'All HTTP services answer', progress: 100 },
              tx,
            )
          }
          return true
        })
        if (updated) {
          await this.deps.publisher.update(podId)
        }
      }
      if (allReady) this.probing.delete(podId)
      else {
        state.delay = pastGrace ? PROBE_SLOW_MS : Math.min(1000, state.delay * 1.5)
        state.nextAt = Date.now() + state.delay
      }
    } catch (error) {
      this.deps.log.warn({ err: error, podId }, 'readiness probe failed')
      state.nextAt = Date.now() + PROBE_SLOW_MS
    }
  }

  // ---------------------------------------------------------------- resync

  private resyncing: Promise<void> | null = null

  private async resyncSafely(): Promise<void> {
    if (!this.active) return
    if (this.resyncing) return this.resyncing
    this.resyncing = this.doResync()
      .catch((error) => this.deps.log.warn({ err: error }, 'resync failed; will retry'))
      .finally(() => {
        this.resyncing = null
      })
    return this.resyncing
  }

  /** Compare every live pod with what the runtime reports and converge. */
  async doResync(): Promise<void> {
    const observed = new Map((await this.deps.runtime.list()).map((o) => [o.podId, o]))
    const pods = await this.deps.db
      .selectFrom('pods')
      .select(['id', 'status', 'desired_state', 'compute_active'])
      .where('deleted_at', 'is', null)
      .execute()
    for (const pod of pods) {
      const o = observed.get(pod.id) ?? absent(pod.id)
      if (pod.desired_state === 'running') {
        if (pod.status === 'pending') this.enqueue(pod.id)
        else if (pod.status === 'creating' || pod.status === 'running') {
          this.chain(pod.id, () => this.applyObservation(o, true))
          // Creating without compute: the runtime may hold a half-made container (a crash between
          // "create" and "start") that no event will ever move on. Placing again is idempotent
          // and finishes it.
          if (pod.status === 'creating' && !pod.compute_active && o.phase === 'creating') this.enqueue(pod.id)
        }
      } else if (pod.desired_state === 'stopped') {
        if (pod.status !== 'stopped') this.enqueue(pod.id)
        else if (o.phase !== 'absent') {
          // Stopped in the database but something still runs (interrupted stop): finish it.
          await this.casUpdate(pod.id, ['stopped'], { status: 'stopping' })
          this.enqueue(pod.id)
        }
      } else this.enqueue(pod.id)
    }
    const known = new Set(pods.map((p) => p.id))
    const orphans = await this.deps.runtime.orphans(known, this.deps.cleanupOrphans)
    this.lastOrphans = { at: this.deps.clock.now().toISOString(), orphans }
    if (orphans.length > 0) {
      this.deps.log.warn(
        { orphans: orphans.map((o) => `${o.kind}/${o.name}`), removed: this.deps.cleanupOrphans },
        this.deps.cleanupOrphans
          ? 'removed runtime objects unknown to the database'
          : 'runtime objects unknown to the database (set NEUROPOD_CLEANUP_ORPHANS=true to remove them)',
      )
    }
  }

  /** Admin action: report, and optionally remove, runtime objects that no pod owns. */
  async orphans(remove: boolean): Promise<OrphanReport[]> {
    const known = new Set(
      (await this.deps.db.selectFrom('pods').select('id').where('deleted_at', 'is', null).execute()).map(
        (p) => p.id,
      ),
    )
    const orphans = await this.deps.runtime.orphans(known, remove)
    this.lastOrphans = { at: this.deps.clock.now().toISOString(), orphans }
    return orphans
  }
}

function absent(podId: string): PodObservation {
  return { podId, phase: 'absent', reason: null, exitCode: null, startedAt: null, tcpEndpoints: [] }
}

function exitReason(o: PodObservation): string {
  const code = o.exitCode ?? null
  const detail = o.reason ? ` (${o.reason})` : code === 137 ? ' (killed)' : ''
  return code === null ? `The container stopped${detail}` : `The container exited with code ${code}${detail}`
}

function tcpWithEndpoints(services: TcpServiceRecord[], o: PodObservation): TcpServiceRecord[] {
  return services.map((s) => {
    const e = o.tcpEndpoints.find((t) => t.port === s.port)
    return e
      ? { ...s, status: 'ready', host: e.host, hostPort: e.hostPort }
      : { ...s, status: 'creating', host: null, hostPort: null }
  })
}
