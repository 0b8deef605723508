import { type Kysely, sql } from 'kysely'
import type { Database } from '../../db/schema.js'
import type { SimulatedPodRecord, SimulationStore } from './simulation-store.js'

/** The simulation's state in the platform's database: one row per simulated pod. */
export class SimulatedPodsRepository implements SimulationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async load(): Promise<SimulatedPodRecord[]> {
    const rows = await this.db.selectFrom('simulated_pods').select(['pod_id', 'state']).execute()
    return rows.map((row) => ({ ...(row.state as SimulatedPodRecord), podId: row.pod_id }))
  }

  async save(record: SimulatedPodRecord): Promise<void> {
    const state = JSON.stringify(record)
    await this.db
      .insertInto('simulated_pods')
      .values({ pod_id: record.podId, state, updated_at: sql`now()` })
      .onConflict((oc) => oc.column('pod_id').doUpdateSet({ state, updated_at: sql`now()` }))
      .execute()
  }

  async remove(podId: string): Promise<void> {
    await this.db.deleteFrom('simulated_pods').where('pod_id', '=', podId).execute()
  }
}
