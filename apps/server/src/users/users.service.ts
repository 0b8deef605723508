import type { User } from '@neuropod/contracts'
import { type Kysely, sql } from 'kysely'
import type { AuditLog } from '../audit/audit-log.js'
import type { Principal } from '../auth/principal.js'
import { changeBalance } from '../billing/ledger.repository.js'
import type { Meter } from '../billing/meter.js'
import { settleAndAnnounce } from '../billing/settlement.js'
import type { Database } from '../db/schema.js'
import { runInTransaction } from '../db/transaction.js'
import { badRequest, notFound } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { eurosToMicros, microsToEuros } from '../lib/money.js'
import type { PodsRepository } from '../pods/pods.repository.js'
import type { PodsService } from '../pods/pods.service.js'
import type { Bus } from '../realtime/bus.js'
import { selectUsersWithCounts, userView } from './user-view.js'

export interface UsersDeps {
  db: Kysely<Database>
  clock: Clock
  bus: Bus
  audit: AuditLog
  meter: Meter
  pods: PodsService
  podRows: PodsRepository
}

/** Admin user management. Every balance change is a ledger entry; suspension and deletion are real. */
export class UsersService {
  constructor(private readonly deps: UsersDeps) {}

  async list(filters: {
    search?: string
    role?: 'client' | 'admin'
    page: number
    limit: number
  }): Promise<{ total: number; users: User[] }> {
    let q = selectUsersWithCounts(this.deps.db)
    if (filters.search?.trim()) {
      // Literal substring match (no regex from user input), served by the trigram index.
      const term = `%${filters.search
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      q = q.where(sql`users.email || ' ' || lower(users.name)`, 'like', term)
    }
    if (filters.role) q = q.where('users.role', '=', filters.role)
    let count = this.deps.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null)
    if (filters.search?.trim()) {
      const term = `%${filters.search
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      count = count.where(sql`email || ' ' || lower(name)`, 'like', term)
    }
    if (filters.role) count = count.where('role', '=', filters.role)
    const [rows, total] = await Promise.all([
      q
        .orderBy('users.created_at', 'desc')
        .orderBy('users.id')
        .limit(filters.limit)
        .offset((filters.page - 1) * filters.limit)
        .execute(),
      count.executeTakeFirstOrThrow(),
    ])
    const now = this.deps.clock.now()
    return { total: total.n, users: rows.map((r) => userView(r, now)) }
  }

  private async target(userId: string) {
    const user = await this.deps.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    if (!user) throw notFound('User not found')
    return user
  }

  private async assertClient(userId: string, action: string) {
    const user = await this.target(userId)
    if (user.role === 'admin') throw badRequest(`Cannot ${action} an administrator (demote them first)`)
    return user
  }

  /** Sets the balance to an absolute amount (an `adjustment` entry for the difference). */
  async setBalance(admin: Principal, input: { userId: string; balance: number; reason?: string }) {
    await this.assertClient(input.userId, 'adjust the balance of')
    const target = eurosToMicros(input.balance)
    return this.applyChange(admin, input.userId, (current) => ({
      amount: target - current,
      type: 'adjustment',
      reason:
        input.reason?.trim() || `Balance set to ${microsToEuros(target).toFixed(2)} € by an administrator`,
    }))
  }

  /** Adds (or, negative, removes) an amount: a `credit` or `adjustment` entry. */
  async credit(admin: Principal, input: { userId: string; amount: number; reason: string }) {
    await this.assertClient(input.userId, 'credit')
    const amount = eurosToMicros(input.amount)
    if (amount === 0)
      throw badRequest('The amount must not be zero', [{ field: 'amount', message: 'Must not be zero' }])
    return this.applyChange(admin, input.userId, () => ({
      amount,
      type: amount > 0 ? 'credit' : 'adjustment',
      reason: input.reason.trim(),
    }))
  }

  private async applyChange(
    admin: Principal,
    userId: string,
    change: (current: number) => { amount: number; type: 'credit' | 'adjustment'; reason: string },
  ) {
    const now = this.deps.clock.now()
    const result = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      // Charge usage up to now first, so the new balance is exact and the ledger stays ordered.
      const pods = await trx
        .selectFrom('pods')
        .select('id')
        .where('user_id', '=', userId)
        .where('billed_until', 'is not', null)
        .execute()
      const volumes = await trx
        .selectFrom('volumes')
        .select('id')
        .where('user_id', '=', userId)
        .where('billed_until', 'is not', null)
        .execute()
      await settleAndAnnounce(
        tx,
        this.deps.bus,
        now,
        pods.map((p) => p.id),
        volumes.map((v) => v.id),
      )
      const user = await trx
        .selectFrom('users')
        .select(['balance', 'name', 'email'])
        .where('id', '=', userId)
        .forUpdate()
        .executeTakeFirstOrThrow()
      const c = change(user.balance)
      if (c.amount === 0) return { ...user, entryId: null }
      const { balance, entryId } = await changeBalance(trx, {
        userId,
        amount: c.amount,
        type: c.type,
        reason: c.reason,
        actorId: admin.userId,
        at: now,
      })
      await this.deps.audit.record(
        admin.userId,
        'UPDATE_USER_BALANCE',
        'user',
        userId,
        { amount: c.amount, type: c.type, reason: c.reason },
        trx,
      )
      return { name: user.name, email: user.email, balance, entryId, amount: c.amount, reason: c.reason }
    })
    if (result.entryId !== null && 'amount' in result) {
      this.deps.meter.publishBalance(userId, result.balance, result.amount, result.reason, admin.email, now)
      await this.deps.meter.evaluateBalances([userId], now)
    }
    return {
      id: userId,
      name: result.name,
      email: result.email,
      balance: microsToEuros(result.balance),
      ledgerEntryId: result.entryId,
    }
  }

  async suspend(admin: Principal, input: { userId: string; reason?: string }) {
    if (input.userId === admin.userId) throw badRequest('You cannot suspend yourself')
    const user = await this.assertClient(input.userId, 'suspend')
    const now = this.deps.clock.now()
    const { pods, sessions } = await runInTransaction(this.deps.db, async (tx) => {
      const { trx } = tx
      await trx
        .updateTable('users')
        .set({ suspended_at: now, suspended_reason: input.reason?.trim() || null, updated_at: now })
        .where('id', '=', user.id)
        .execute()
      const sessions = await trx
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', user.id)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute()
      const pods = await this.deps.podRows.stopAllOf(
        user.id,
        'Stopped: the account was suspended (data kept)',
        now,
        tx,
      )
      await this.deps.audit.record(
        admin.userId,
        'USER_SUSPENDED',
        'user',
        user.id,
        { reason: input.reason ?? null, podsStopped: pods.length },
        trx,
      )
      return { pods, sessions }
    })
    this.deps.bus.publish({ kind: 'access-revoked', userId: user.id, sessionId: null })
    for (const podId of pods) await this.deps.pods.afterChange(podId, 'Pod stopping: account suspended')
    this.notifyAdmins('userSuspended', `${user.email} was suspended`, user.id, now)
    return {
      userId: user.id,
      userEmail: user.email,
      podsStopped: pods.length,
      stoppedPods: pods,
      sessionsRevoked: sessions.length,
    }
  }

  async unsuspend(admin: Principal, userId: string) {
    const user = await this.target(userId)
    if (!user.suspended_at) return { userId, userEmail: user.email }
    const now = this.deps.clock.now()
    await this.deps.db
      .updateTable('users')
      .set({ suspended_at: null, suspended_reason: null, updated_at: now })
      .where('id', '=', userId)
      .execute()
    await this.deps.audit.record(admin.userId, 'USER_UNSUSPENDED', 'user', userId, {})
    return { userId, userEmail: user.email }
  }

  /**
   * Deletes a client: sessions and keys end now, every pod is deleted through the runtime (the
   * reconciler removes containers and volumes), and the account is kept as an anonymised tombstone
   * so the ledger and usage history stay consistent.
   */
  async delete(admin: Principal, userId: string) {
    if (userId === admin.userId) throw badRequest('You cannot delete yourself')
    const user = await this.assertClient(userId, 'delete')
    const now = this.deps.clock.now()
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const active = await trx
        .selectFrom('pods')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('deleted_at', 'is', null)
        .where('status', 'in', ['pending', 'creating', 'running'])
        .executeTakeFirstOrThrow()
      const pods = await trx
        .selectFrom('pods')
        .select('id')
        .where('user_id', '=', userId)
        .where('desired_state', '<>', 'deleted')
        .execute()
      const deleted = await this.deps.pods.markDeleted(
        trx,
        pods.map((p) => p.id),
      )
      const sessions = await trx
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute()
      await trx
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute()
      await trx
        .updateTable('users')
        .set({
          deleted_at: now,
          email: `deleted-${userId}@deleted.invalid`,
          name: 'Deleted user',
          avatar: null,
          password_hash: null,
          google_sub: null,
          updated_at: now,
        })
        .where('id', '=', userId)
        .execute()
      await this.deps.audit.record(
        admin.userId,
        'USER_DELETED',
        'user',
        userId,
        { email: user.email, podsDeleted: deleted.length },
        trx,
      )
      return { deleted, sessions: sessions.length, active: active.n }
    })
    this.deps.bus.publish({ kind: 'access-revoked', userId, sessionId: null })
    for (const id of result.deleted) await this.deps.pods.afterChange(id, 'Pod deleting: account deleted')
    this.notifyAdmins('userDeleted', `${user.email} was deleted`, userId, now)
    return {
      userId,
      userEmail: user.email,
      podsDeleted: result.deleted.length,
      activePods: result.active,
      sessionsDeleted: result.sessions,
    }
  }

  async setRole(admin: Principal, input: { userId: string; role: 'client' | 'admin' }): Promise<User> {
    if (input.userId === admin.userId) throw badRequest('You cannot change your own role')
    const user = await this.target(input.userId)
    if (user.role !== input.role) {
      const now = this.deps.clock.now()
      await runInTransaction(this.deps.db, async (tx) => {
        const { trx } = tx
        // Usage so far is charged under the old role before the new one applies.
        const pods = await trx
          .selectFrom('pods')
          .select('id')
          .where('user_id', '=', user.id)
          .where('billed_until', 'is not', null)
          .execute()
        const volumes = await trx
          .selectFrom('volumes')
          .select('id')
          .where('user_id', '=', user.id)
          .where('billed_until', 'is not', null)
          .execute()
        await settleAndAnnounce(
          tx,
          this.deps.bus,
          now,
          pods.map((p) => p.id),
          volumes.map((v) => v.id),
        )
        await trx
          .updateTable('users')
          .set({ role: input.role, balance_alert: 'none', updated_at: now })
          .where('id', '=', user.id)
          .execute()
        await this.deps.audit.record(
          admin.userId,
          input.role === 'admin' ? 'USER_PROMOTED' : 'USER_DEMOTED',
          'user',
          user.id,
          {},
          trx,
        )
      })
      // Cached principals and sockets carry the old role: drop them.
      this.deps.bus.publish({ kind: 'access-revoked', userId: user.id, sessionId: null })
    }
    const row = await selectUsersWithCounts(this.deps.db)
      .where('users.id', '=', user.id)
      .executeTakeFirstOrThrow()
    return userView(row, this.deps.clock.now())
  }

  private notifyAdmins(
    kind: 'userSuspended' | 'userDeleted',
    message: string,
    userId: string,
    now: Date,
  ): void {
    this.deps.bus.publish({
      kind: 'admins',
      event: 'adminNotification',
      payload: { type: 'adminNotification', kind, message, userId, timestamp: now.toISOString() },
    })
  }
}
