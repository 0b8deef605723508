import type { Clock } from '../lib/clock.js'
import { monotonicMs } from '../lib/clock.js'
import { newUuid } from '../lib/ids.js'
import type { Logger } from '../lib/logger.js'
import type { Bus } from '../realtime/bus.js'
import type { ShellSessionsRepository } from './shell-sessions.repository.js'

export type ShellKind = 'terminal' | 'ssh'

export interface ShellStart {
  userId: string
  podId: string
  kind: ShellKind
  /** shell, exec, sftp, forward to port N */
  detail: string
  remoteAddress: string | null
  /** The SSH key the user signed in with: deleting it closes the session */
  sshKeyId?: string
  /** Ends the session from outside (the account was suspended or deleted, shutdown) */
  close: (reason: string) => void
}

export interface ShellHandle {
  readonly id: string
  /** Input or output moved: the pod is in use (throttled before it reaches the recorder) */
  active(): void
  /** The session ended; records the end once */
  end(): Promise<void>
}

/** Marks pod activity at most this often per session (the recorder batches writes anyway). */
const ACTIVITY_EVERY_MS = 1000
/** Every replica writes its heartbeat this often... */
export const HEARTBEAT_EVERY_MS = 10_000
/** ...and one silent for this long is dead: its open sessions no longer count, and are closed. */
export const REPLICA_TTL_MS = 60_000

/**
 * Every open shell into a pod on this replica, web terminal or SSH: recorded in shell_sessions
 * (who, pod, from where, start, end), counted per pod (an activity signal for idle stop), and
 * closed at once when the user's access is revoked (suspension, deletion, role change: the users
 * service publishes `access-revoked` after its transaction commits).
 */
export class ShellSessions {
  private readonly open = new Map<string, ShellStart & { id: string }>()
  private readonly unsubscribe: () => void
  private heartbeatTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly deps: {
      repository: ShellSessionsRepository
      /** This replica's id, written on each session row and heartbeat */
      replicaId: string
      clock: Clock
      bus: Bus
      log: Logger
    },
  ) {
    this.unsubscribe = deps.bus.subscribe((m) => {
      // Only account-wide revocations: signing out one browser session leaves SSH sessions alone
      // (the terminal namespace closes that browser's terminals itself).
      if (m.kind === 'access-revoked' && !m.sessionId && !m.apiKeyId)
        this.closeUser(m.userId, 'Your access was revoked')
      if (m.kind === 'ssh-key-deleted') this.closeKey(m.keyId, 'The SSH key you signed in with was deleted')
    })
  }

  /** Where pod activity goes: the proxy's recorder, so shell use counts as `lastActive` too. */
  private touch: (podId: string) => void = () => {}

  recordActivityWith(touch: (podId: string) => void): void {
    this.touch = touch
  }

  async start(input: ShellStart): Promise<ShellHandle> {
    const id = newUuid()
    await this.deps.repository.start({
      ...input,
      id,
      replicaId: this.deps.replicaId,
      at: this.deps.clock.now(),
    })
    const entry = { ...input, id }
    this.open.set(id, entry)
    this.touch(input.podId)
    let lastTouch = monotonicMs()
    let ended: Promise<void> | null = null
    return {
      id,
      active: () => {
        const now = monotonicMs()
        if (now - lastTouch < ACTIVITY_EVERY_MS) return
        lastTouch = now
        this.touch(input.podId)
      },
      end: () => {
        ended ??= (async () => {
          this.open.delete(id)
          this.touch(input.podId)
          try {
            await this.deps.repository.end(id, this.deps.clock.now())
          } catch (error) {
            this.deps.log.warn({ err: error, session: id }, 'could not record the end of a shell session')
          }
        })()
        return ended
      },
    }
  }

  /** Open shells into `podId` on this replica (the idle-stop work reads this as activity). */
  openCount(podId: string): number {
    let n = 0
    for (const s of this.open.values()) if (s.podId === podId) n++
    return n
  }

  /** Open shells per pod on this replica. */
  openCounts(): Map<string, number> {
    const counts = new Map<string, number>()
    for (const s of this.open.values()) counts.set(s.podId, (counts.get(s.podId) ?? 0) + 1)
    return counts
  }

  /**
   * Open shells per pod across replicas, for the leader's idle pass: this replica's own from
   * memory, the others' from shell_sessions rows of replicas whose heartbeat is recent. Rows of
   * dead replicas (a crash leaves them open) are closed first, so they never keep a pod running.
   */
  async openSessions(podIds: readonly string[]): Promise<Map<string, number>> {
    const aliveSince = new Date(this.deps.clock.now().getTime() - REPLICA_TTL_MS)
    const closed = await this.deps.repository.closeSessionsOfDeadReplicas(this.deps.replicaId, aliveSince)
    if (closed > 0) this.deps.log.info({ sessions: closed }, 'closed shell sessions of replicas that died')
    const counts = await this.deps.repository.openCountsOfLiveReplicas(this.deps.replicaId, aliveSince)
    for (const [podId, n] of this.openCounts()) counts.set(podId, (counts.get(podId) ?? 0) + n)
    const wanted = new Set(podIds)
    for (const podId of counts.keys()) if (!wanted.has(podId)) counts.delete(podId)
    return counts
  }

  /** Writes this replica's heartbeat now and every HEARTBEAT_EVERY_MS (every replica, not only the leader). */
  async startHeartbeat(everyMs = HEARTBEAT_EVERY_MS): Promise<void> {
    await this.heartbeat()
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), everyMs)
    this.heartbeatTimer.unref()
  }

  async heartbeat(): Promise<void> {
    try {
      await this.deps.repository.heartbeat(this.deps.replicaId, this.deps.clock.now())
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not write the replica heartbeat')
    }
  }

  closeUser(userId: string, reason: string): void {
    for (const s of [...this.open.values()]) if (s.userId === userId) this.closeOne(s, reason)
  }

  closeKey(sshKeyId: string, reason: string): void {
    for (const s of [...this.open.values()]) if (s.sshKeyId === sshKeyId) this.closeOne(s, reason)
  }

  /** Shutdown: every session ends and its end is recorded. */
  async close(reason = 'The server is shutting down'): Promise<void> {
    this.unsubscribe()
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = null
    const ids = [...this.open.keys()]
    for (const s of [...this.open.values()]) this.closeOne(s, reason)
    await this.deps.repository.closeOrphans(ids, this.deps.clock.now()).catch(() => {})
    await this.deps.repository.forgetReplica(this.deps.replicaId).catch(() => {})
  }

  private closeOne(session: ShellStart & { id: string }, reason: string): void {
    try {
      session.close(reason)
    } catch (error) {
      this.deps.log.warn({ err: error, session: session.id }, 'closing a shell session failed')
    }
  }
}
