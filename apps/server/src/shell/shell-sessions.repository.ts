import { type Kysely, sql } from 'kysely'
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
    replicaId: string
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
        replica_id: row.replicaId,
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

  /** This replica is alive at `at` (inserted on the first beat). */
  async heartbeat(replicaId: string, at: Date): Promise<void> {
    await this.db
      .insertInto('replicas')
      .values({ id: replicaId, started_at: at, heartbeat_at: at })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: at }))
      .execute()
  }

  /** A replica shutting down cleanly leaves no heartbeat behind. */
  async forgetReplica(replicaId: string): Promise<void> {
    await this.db.deleteFrom('replicas').where('id', '=', replicaId).execute()
  }

  /**
   * Open sessions held by live replicas other than `self`, per pod (one grouped query; open
   * sessions are few, so all of them are counted rather than filtering by 10,000 pod ids).
   */
  async openCountsOfLiveReplicas(self: string, aliveSince: Date): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('shell_sessions')
      .innerJoin('replicas', 'replicas.id', 'shell_sessions.replica_id')
      .where('shell_sessions.ended_at', 'is', null)
      .where('shell_sessions.replica_id', '<>', self)
      .where('replicas.heartbeat_at', '>=', aliveSince)
      .select(['shell_sessions.pod_id as podId', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('shell_sessions.pod_id')
      .execute()
    return new Map(rows.map((r) => [r.podId, Number(r.n)]))
  }

  /**
   * Sessions left open by replicas that died (no heartbeat since `aliveSince`, or none at all) end
   * at that replica's last heartbeat (or their start, when it is unknown); then the dead replicas'
   * heartbeat rows go. Returns how many sessions were closed.
   */
  async closeSessionsOfDeadReplicas(self: string, aliveSince: Date): Promise<number> {
    const closed = await this.db
      .updateTable('shell_sessions')
      .set({
        ended_at: sql<Date>`greatest(started_at, coalesce(
          (select r.heartbeat_at from replicas r where r.id = shell_sessions.replica_id), started_at))`,
      })
      .where('ended_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('replica_id', 'is', null),
          eb.and([
            eb('replica_id', '<>', self),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('replicas')
                  .select(sql`1`.as('one'))
                  .whereRef('replicas.id', '=', 'shell_sessions.replica_id')
                  .where('replicas.heartbeat_at', '>=', aliveSince),
              ),
            ),
          ]),
        ]),
      )
      .executeTakeFirst()
    await this.db
      .deleteFrom('replicas')
      .where('heartbeat_at', '<', aliveSince)
      .where('id', '<>', self)
      .execute()
    return Number(closed.numUpdatedRows)
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
