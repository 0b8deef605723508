import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

/** What the gateway needs of a pod: whose it is and which ports it exposes. */
export interface SshPod {
  id: string
  name: string
  userId: string
  status: string
  ports: number[]
}

/** The pods an SSH user name (a pod id, or a pod name of the signing-in user) can mean. */
export class SshPodsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async byId(podId: string): Promise<SshPod | null> {
    const row = await this.base().where('id', '=', podId).executeTakeFirst()
    return row ? toPod(row) : null
  }

  async byName(userId: string, name: string): Promise<SshPod[]> {
    const rows = await this.base().where('user_id', '=', userId).where('name', '=', name).limit(2).execute()
    return rows.map(toPod)
  }

  private base() {
    return this.db
      .selectFrom('pods')
      .select(['id', 'name', 'user_id', 'status', 'http_services', 'tcp_services'])
      .where('deleted_at', 'is', null)
  }
}

function toPod(row: {
  id: string
  name: string
  user_id: string
  status: string
  http_services: { port: number }[]
  tcp_services: { port: number }[]
}): SshPod {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    status: row.status,
    ports: [...row.http_services, ...row.tcp_services].map((s) => s.port),
  }
}
