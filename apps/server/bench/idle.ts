/**
 * `npm run bench:idle` — one idle evaluation pass over 10,000 running pods with activity records,
 * on PostgreSQL, next to a meter tick over the same pods (the baseline of the same run).
 *
 * Seeds 1,000 users × 10 running pods with a 30-minute idle timeout and a last activity spread over
 * the last 20 minutes (1 % of them 20–30 minutes ago: inside the warning lead; 1 % over 30 minutes
 * ago: due to stop). Each pass first writes activity observed by a signal for 1,000 pods (a stand-in
 * signal: the bench measures the database side, not runtime calls), then warns and stops. Queries are counted by Kysely's log hook: the count must not grow with the pods.
 *
 * Database: NEUROPOD_BENCH_DATABASE_URL (default postgres://root@127.0.0.1:5432/test); a scratch
 * database is created next to it and dropped at the end.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { Meter } from '../src/billing/meter.js'
import { openPostgres } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import type { Database } from '../src/db/schema.js'
import type { ActivityObservation, ActivitySignal, RunningPod } from '../src/idle/activity-signal.js'
import { IdleEvaluator } from '../src/idle/idle-evaluator.js'
import { IdleSettingsRepository } from '../src/idle/idle-settings.repository.js'
import { SessionsSignal } from '../src/idle/signals/sessions-signal.js'
import { silentLogger } from '../src/lib/logger.js'
import { SecretBox } from '../src/lib/secrets.js'
import { PodsRepository } from '../src/pods/pods.repository.js'
import { LocalBus } from '../src/realtime/bus.js'
import { ShellSessions } from '../src/shell/shell-sessions.js'
import { ShellSessionsRepository } from '../src/shell/shell-sessions.repository.js'
import { insertPods, JUPYTER_SERVICE, runningPod, scratchDatabase, seedUsers } from './support.js'

const USERS = Number(process.env.BENCH_USERS ?? 1000)
const PODS_PER_USER = 10
const OBSERVED_PER_PASS = 1000
const MIN = 60_000

/** A signal that saw `OBSERVED_PER_PASS` pods busy (the database cost of real observations). */
class SyntheticSignal implements ActivitySignal {
  readonly name = 'bench'
  async sample(pods: readonly RunningPod[], now: Date): Promise<ActivityObservation[]> {
    const out: ActivityObservation[] = []
    for (let i = 0; i < OBSERVED_PER_PASS && pods.length > 0; i++) {
      const pod = pods[Math.floor(Math.random() * pods.length)]!
      out.push({ podId: pod.id, at: now, source: 'cpu', detail: 'CPU 50 %' })
    }
    return out
  }
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase('np_bench_idle')
  const databaseUrl = scratch.url
  const handle = openPostgres(databaseUrl, 4)
  let queries = 0
  let slowest = { ms: 0, sql: '' }
  const counted = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 4 }) }),
    log: (event) => {
      if (event.level !== 'query') return
      queries++
      if (event.queryDurationMillis > slowest.ms)
        slowest = { ms: event.queryDurationMillis, sql: event.query.sql.replace(/\s+/g, ' ').slice(0, 60) }
    },
  })
  try {
    await migrateToLatest(handle.db)
    const start = new Date()
    console.log(`Seeding ${USERS} users × ${PODS_PER_USER} running pods with activity records…`)
    const seeded = performance.now()
    await seed(handle.db, start)
    console.log(`  seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s\n`)

    let now = start
    const clock = { now: () => now }
    const evaluator = new IdleEvaluator({
      db: counted,
      clock,
      bus: new LocalBus(),
      secrets: new SecretBox('bench-secret-bench-secret-bench-secret-0123456789'),
      settings: new IdleSettingsRepository(counted),
      // The real open-sessions signal (its queries count too: closing dead replicas' rows, counting live ones)
      sessions: new SessionsSignal(
        new ShellSessions({
          repository: new ShellSessionsRepository(counted),
          replicaId: 'bench',
          clock,
          bus: new LocalBus(),
          log: silentLogger,
        }),
      ),
      signals: [new SyntheticSignal()],
      log: silentLogger,
      publishStopped: async () => {},
    })
    const meter = new Meter({
      db: handle.db,
      podRows: new PodsRepository(handle.db),
      clock,
      bus: new LocalBus(),
      onAutoStop: () => {},
      onError: () => {},
    })

    const rows: { pass: number; ms: number; queries: number; text: string }[] = []
    for (let pass = 1; pass <= 4; pass++) {
      queries = 0
      slowest = { ms: 0, sql: '' }
      const result = await evaluator.pass()
      rows.push({
        pass,
        ms: result.durationMs,
        queries,
        text: `pods ${result.pods}, observations ${result.observations}, warned ${result.warned}, stopped ${result.stopped}; slowest ${slowest.ms.toFixed(0)} ms: ${slowest.sql}…`,
      })
      now = new Date(now.getTime() + MIN)
    }
    for (const r of rows)
      console.log(`idle pass ${r.pass}: ${r.ms.toFixed(0).padStart(5)} ms, ${r.queries} queries  (${r.text})`)

    const ticks: number[] = []
    for (let i = 1; i <= 3; i++) {
      const tick = await meter.tick(new Date(now.getTime() + i * MIN))
      ticks.push(tick.durationMs)
    }
    const meterMedian = [...ticks].sort((a, b) => a - b)[1]!
    const steady = rows.slice(1).map((r) => r.ms)
    const passMedian = [...steady].sort((a, b) => a - b)[1]!
    const queryCounts = new Set(rows.map((r) => r.queries))
    console.log(
      `\nmeter tick over the same pods: median ${meterMedian.toFixed(0)} ms (runs: ${ticks.map((t) => t.toFixed(0)).join(', ')} ms)`,
    )
    console.log(
      `idle pass (steady, passes 2–4): median ${passMedian.toFixed(0)} ms, ratio to the meter tick ${(passMedian / meterMedian).toFixed(2)}; first pass ${rows[0]!.ms.toFixed(0)} ms`,
    )
    console.log(`queries per pass: ${[...queryCounts].join(', ')} (independent of the pod count)`)
    const worst = Math.max(...rows.map((r) => r.ms))
    console.log(
      `target: every pass < 1000 ms → ${worst < 1000 ? 'met' : `NOT met (worst ${worst.toFixed(0)} ms)`}`,
    )
  } finally {
    await counted.destroy()
    await handle.close()
    await scratch.drop()
  }
}

async function seed(db: Kysely<Database>, now: Date): Promise<void> {
  const users = await seedUsers(db, USERS, now, 1_000_000_000_000)
  let n = 0
  const pods = users.flatMap((u) =>
    Array.from({ length: PODS_PER_USER }, (_, j) => {
      const k = n++
      // 1 % inside the warning lead (20–30 min ago), 1 % past the deadline, the rest within 20 min.
      const minutesAgo =
        k % 100 === 0 ? 20 + Math.random() * 9 : k % 100 === 1 ? 31 + Math.random() * 20 : Math.random() * 19
      return runningPod(u.id, now, {
        name: `pod-${j}`,
        http_services: JUPYTER_SERVICE,
        created_at: new Date(now.getTime() - 2 * 3_600_000),
        started_at: new Date(now.getTime() - 2 * 3_600_000),
        last_active_at: new Date(now.getTime() - minutesAgo * MIN),
        last_activity_source: 'http',
        idle_timeout_minutes: 30,
      })
    }),
  )
  await insertPods(db, pods)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
