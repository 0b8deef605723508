import type { User } from '@neuropod/contracts'
import type { Kysely } from 'kysely'
import type { Database, UserRow } from '../db/schema.js'
import { microsToEuros } from '../lib/money.js'

/** A user counts as online after any request or socket heartbeat in the last five minutes. */
export const ONLINE_WINDOW_MS = 5 * 60_000

export interface UserWithCounts extends UserRow {
  active_pods: number
  total_pods: number
}

export function userView(row: UserWithCounts, now: Date): User {
  const lastSeen = row.last_seen_at ? new Date(row.last_seen_at) : null
  const created = new Date(row.created_at)
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    avatar: row.avatar,
    role: row.role,
    balance: row.role === 'admin' ? 'Infinity' : microsToEuros(row.balance),
    unlimited: row.role === 'admin',
    plan: 'free',
    registrationDate: created.toISOString().slice(0, 10),
    createdAt: created.toISOString(),
    activePods: row.active_pods,
    totalPods: row.total_pods,
    status: lastSeen && now.getTime() - lastSeen.getTime() < ONLINE_WINDOW_MS ? 'online' : 'offline',
    suspended: row.suspended_at !== null,
    suspendedReason: row.suspended_reason,
    lastSeenAt: lastSeen?.toISOString() ?? null,
    hasPassword: row.password_hash !== null,
    googleLinked: row.google_sub !== null,
  }
}

/** Users with their pod counts in one query (no N+1). */
export function selectUsersWithCounts(db: Kysely<Database>) {
  return db
    .selectFrom('users')
    .selectAll('users')
    .select((eb) => [
      eb
        .selectFrom('pods')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('pods.user_id', '=', 'users.id')
        .where('pods.deleted_at', 'is', null)
        .where('pods.status', 'in', ['pending', 'creating', 'running', 'stopping'])
        .as('active_pods'),
      eb
        .selectFrom('pods')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('pods.user_id', '=', 'users.id')
        .where('pods.deleted_at', 'is', null)
        .as('total_pods'),
    ])
    .where('users.deleted_at', 'is', null)
    .$narrowType<{ active_pods: number; total_pods: number }>()
}

export async function loadUserView(db: Kysely<Database>, userId: string, now: Date): Promise<User | null> {
  const row = await selectUsersWithCounts(db).where('users.id', '=', userId).executeTakeFirst()
  return row ? userView(row, now) : null
}

/** e-mail matches a list entry exactly, or its domain matches an "@domain" entry. */
export function emailListed(email: string, list: string[]): boolean {
  const e = email.toLowerCase()
  return list.some((entry) => (entry.startsWith('@') ? e.endsWith(entry) : e === entry))
}
