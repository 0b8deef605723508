import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/** The database figures /metrics reports: pods by state and GPU type, GPU allocations, the ledger. */
export class PlatformStatsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async podsByState(): Promise<{ state: string; gpuType: string; pods: number }[]> {
    const rows = await this.db
      .selectFrom('pods')
      .select(['status', 'gpu', sql<number>`count(*)::int`.as('n')])
      .where('deleted_at', 'is', null)
      .groupBy(['status', 'gpu'])
      .execute()
    return rows.map((r) => ({ state: r.status, gpuType: r.gpu, pods: r.n }))
  }

  async gpuAllocations(): Promise<{ gpuType: string; devices: number }[]> {
    const rows = await this.db
      .selectFrom('gpu_allocations')
      .select(['gpu_type', sql<number>`count(*)::int`.as('n')])
      .groupBy('gpu_type')
      .execute()
    return rows.map((r) => ({ gpuType: r.gpu_type, devices: r.n }))
  }

  /** GPUs held by pods whose container runs, per type (every runtime, including the cluster's). */
  async gpusInUse(): Promise<{ gpuType: string; gpus: number }[]> {
    const rows = await this.db
      .selectFrom('pods')
      .select(['gpu', sql<number>`sum(gpu_count)::int`.as('n')])
      .where('deleted_at', 'is', null)
      .where('compute_active', '=', true)
      .where('gpu', '<>', 'cpu')
      .groupBy('gpu')
      .execute()
    return rows.map((r) => ({ gpuType: r.gpu, gpus: r.n }))
  }

  /** Sum of ledger amounts per entry type, integer micro-euros. */
  async ledgerTotals(): Promise<{ type: string; microEuros: number; entries: number }[]> {
    const rows = await this.db
      .selectFrom('ledger')
      .select(['type', sql<string>`sum(amount)::bigint`.as('total'), sql<number>`count(*)::int`.as('n')])
      .groupBy('type')
      .execute()
    return rows.map((r) => ({ type: r.type, microEuros: Number(r.total), entries: r.n }))
  }
}
