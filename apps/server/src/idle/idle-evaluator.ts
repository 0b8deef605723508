import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { runInTransaction } from '../db/transaction.js'
import type { Clock } from '../lib/clock.js'
import type { Logger } from '../lib/logger.js'
import type { SecretBox } from '../lib/secrets.js'
import type { Bus } from '../realtime/bus.js'
import type { ActivityObservation, ActivitySignal, RunningPod } from './activity-signal.js'
import { IdleRepository, type StoppedPod, type WarnedPod } from './idle.repository.js'
import type { IdleSettingsRepository } from './idle-settings.repository.js'

export interface IdleEvaluatorDeps {
  db: Kysely<Database>
  clock: Clock
  bus: Bus
  secrets: SecretBox
  settings: IdleSettingsRepository
  /** Open terminal/SSH sessions across live replicas (asked first, never replaced) */
  sessions?: ActivitySignal
  signals: ActivitySignal[]
  log: Logger
  /** Publishes the pods' new state after a pass stopped them (one view query for all) */
  publishStopped: (podIds: string[], message: string) => Promise<void>
}

export interface PassResult {
  pods: number
  observations: number
  warned: number
  stopped: number
  durationMs: number
}

/**
 * The leader's idle pass (ADR 0018): ask the pull signals about the running pods (outside any
 * transaction), write what they saw, then in one transaction warn the owners of pods close to
 * their deadline and stop the pods past theirs (deadlines derive from stored activity). Everything it publishes waits for the commit.
 * Deadlines live in the database, so a restart (or a new leader) continues where this one was.
 */
export class IdleEvaluator {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null
  private readonly repo: IdleRepository

  constructor(private readonly deps: IdleEvaluatorDeps) {
    this.repo = new IdleRepository(deps.db)
  }

  start(intervalSeconds: number): void {
    this.stop()
    this.timer = setInterval(() => void this.passSafely(), intervalSeconds * 1000)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  async drain(): Promise<void> {
    await this.running?.catch(() => {})
  }

  private async passSafely(): Promise<void> {
    if (this.running) return // never overlap passes
    try {
      await this.pass()
    } catch (error) {
      this.deps.log.error({ err: error }, 'idle evaluation failed')
    }
  }

  async pass(): Promise<PassResult> {
    const work = this.runPass()
    this.running = work
    try {
      return await work
    } finally {
      this.running = null
    }
  }

  /** Asks every signal about the running pods and writes what they saw. */
  async sampleSignals(now = this.deps.clock.now()): Promise<{ pods: number; observations: number }> {
    const signals = this.deps.sessions ? [this.deps.sessions, ...this.deps.signals] : this.deps.signals
    if (signals.length === 0) return { pods: 0, observations: 0 }
    const pods = (await this.repo.runningPods()).map((row) => this.runningPod(row))
    if (pods.length === 0) return { pods: 0, observations: 0 }
    const observations: ActivityObservation[] = []
    for (const signal of signals) {
      try {
        observations.push(...(await signal.sample(pods, now)))
      } catch (error) {
        this.deps.log.warn({ err: error, signal: signal.name }, 'activity signal failed; skipped this pass')
      }
    }
    await this.repo.recordActivity(observations)
    return { pods: pods.length, observations: observations.length }
  }

  private async runPass(): Promise<PassResult> {
    const started = performance.now()
    const sampled = await this.sampleSignals()
    // The decision uses the time after sampling: what the signals saw is not in the future.
    const now = this.deps.clock.now()
    const settings = await this.deps.settings.get()
    const { warned, stopped } = await runInTransaction(this.deps.db, async (tx) => {
      const stopped = await this.repo.stopDue(tx.trx, now)
      const warned = await this.repo.warnDue(tx.trx, now, settings.warningLeadMinutes)
      tx.afterCommit(() => {
        this.publishWarnings(warned, now)
        this.publishStopEvents(stopped)
      })
      return { warned, stopped }
    })
    if (stopped.length > 0) {
      await this.deps.publishStopped(
        stopped.map((s) => s.id),
        'Pod stopping automatically',
      )
      for (const s of stopped) this.deps.bus.publish({ kind: 'reconcile', podId: s.id })
    }
    return {
      pods: sampled.pods,
      observations: sampled.observations,
      warned: warned.length,
      stopped: stopped.length,
      durationMs: performance.now() - started,
    }
  }

  /** The meter stopped these pods at zero balance: record `balance` as the reason, and tell the owner. */
  async recordBalanceStops(podIds: string[]): Promise<void> {
    const stopped = await this.repo.recordBalanceStops(podIds, this.deps.clock.now())
    this.publishStopEvents(stopped)
  }

  private runningPod(row: {
    id: string
    gpu: string
    gpu_count: number
    jupyter_token_sealed: string | null
    jupyter_port: number | null
  }): RunningPod {
    let token: string | null = null
    if (row.jupyter_token_sealed) {
      try {
        token = this.deps.secrets.open(row.jupyter_token_sealed)
      } catch {
        token = null // sealed with another secret: Jupyter cannot be asked
      }
    }
    return {
      id: row.id,
      gpu: row.gpu,
      gpuCount: row.gpu_count,
      jupyterToken: token,
      jupyterPort: row.jupyter_port,
    }
  }

  private publishWarnings(warned: WarnedPod[], now: Date): void {
    for (const w of warned) {
      const deadline = new Date(w.idle_deadline)
      const minutesLeft = Math.max(0, Math.ceil((deadline.getTime() - now.getTime()) / 60_000))
      this.deps.bus.publish({
        kind: 'user',
        userId: w.user_id,
        event: 'podIdleWarning',
        payload: {
          type: 'podIdleWarning',
          podId: w.id,
          podName: w.name,
          deadline: deadline.toISOString(),
          minutesLeft,
          extendMinutes: w.idle_timeout_minutes,
          message: `"${w.name}" is idle and stops in ${minutesLeft} min unless it is used or kept running`,
          timestamp: now.toISOString(),
        },
      })
    }
  }

  private publishStopEvents(stopped: StoppedPod[]): void {
    for (const s of stopped) {
      const at = new Date(s.event_at).toISOString()
      this.deps.bus.publish({
        kind: 'pod',
        podId: s.id,
        userId: s.user_id,
        event: 'podEvent',
        payload: {
          type: 'podEvent',
          podId: s.id,
          event: {
            id: Number(s.event_id),
            podId: s.id,
            at,
            type: s.why === 'balance' ? 'warning' : 'normal',
            reason: 'AutoStopped',
            message: s.event_message,
            progress: null,
          },
          timestamp: at,
        },
      })
    }
  }
}
