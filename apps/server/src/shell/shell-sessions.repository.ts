import type { Kysely } from 'kysely'
import type { Database, ShellSessionsTable } from '../db/schema.js'

export interface ShellSessionRecord {
  id: string
  userId: string
  userEmail: string
  podId: string
  podName: string | null
  kind: ShellSessionsTable['kind']
  detail: string
  remoteAddress: string | null
  startedAt: Date
  endedAt: Date | null
}

export interface ShellSessionFilter {
  podId?: string
  userId?: string
  open?: boolean
  page: number
  limit: number
}

/** SQL of the shell_sessions table (the audit of web terminals and SSH sessions). */
export class ShellSessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async start(row: {
    id: string
    userId: string
    podId: string
    kind: ShellSessionsTable['kind']
    detail: string
    remoteAddress: string | null
    at: Date
  }): Promise<void> {
    await this.db
      .insertInto('shell_sessions')
      .values({
        id: row.id,
        user_id: row.userId,
        pod_id: row.podId,
        kind: row.kind,
        detail: row.detail,
        remote_address: row.remoteAddress,
        started_at: row.at,
        ended_at: null,
      })
      .execute()
  }

  async end(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('shell_sessions')
      .set({ ended_at: at })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute()
  }

  /**
   * Sessions this process left open when it stopped (a crash or kill): they ended then, so they
   * are closed at their start time rather than left "open" forever.
   */
  async closeOrphans(ids: string[] | null, at: Date): Promise<void> {
    let query = this.db.updateTable('shell_sessions').set({ ended_at: at }).where('ended_at', 'is', null)
    if (ids) {
      if (ids.length === 0) return
      query = query.where('id', 'in', ids)
    }
    await query.execute()
  }

  async page(filter: ShellSessionFilter): Promise<{ total: number; rows: ShellSessionRecord[] }> {
    let base = this.db
      .selectFrom('shell_sessions')
      .innerJoin('users', 'users.id', 'shell_sessions.user_id')
      .leftJoin('pods', 'pods.id', 'shell_sessions.pod_id')
    if (filter.podId) base = base.where('shell_sessions.pod_id', '=', filter.podId)
    if (filter.userId) base = base.where('shell_sessions.user_id', '=', filter.userId)
    if (filter.open) base = base.where('shell_sessions.ended_at', 'is', null)
    const [count, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      base
        .select([
          'shell_sessions.id',
          'shell_sessions.user_id as userId',
          'users.email as userEmail',
          'shell_sessions.pod_id as podId',
          'pods.name as podName',
          'shell_sessions.kind',
          'shell_sessions.detail',
          'shell_sessions.remote_address as remoteAddress',
          'shell_sessions.started_at as startedAt',
          'shell_sessions.ended_at as endedAt',
        ])
        .orderBy('shell_sessions.started_at', 'desc')
        .orderBy('shell_sessions.id')
        .limit(filter.limit)
        .offset((filter.page - 1) * filter.limit)
        .execute(),
    ])
    return {
      total: Number(count.n),
      rows: rows.map((r) => ({
        ...r,
        startedAt: new Date(r.startedAt),
        endedAt: r.endedAt ? new Date(r.endedAt) : null,
      })),
    }
  }
}
