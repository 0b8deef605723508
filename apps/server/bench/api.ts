/**
 * `npm run bench:api` — API throughput and metering cost at scale, on PostgreSQL.
 *
 * Seeds 1,000 users with 10 pods each, then measures with autocannon (in its own process):
 * GET /api/health (the baseline), a user's GET /api/pods, the admin list (page of 50) and
 * create+delete cycles; and the time of one meter tick over 10,000 running pods. Throughputs are
 * printed as ratios to the health route measured in the same run.
 *
 * Database: NEUROPOD_BENCH_DATABASE_URL (default postgres://root@127.0.0.1:5432/test); a scratch
 * database is created next to it and dropped at the end. The bench holds the leader lock itself, so
 * the server under test serves the API only and the bench drives the meter explicitly.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import pg from 'pg'
import { Meter } from '../src/billing/meter.js'
import { loadConfig } from '../src/config.js'
import { openPostgres } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { newUuid, randomToken } from '../src/lib/ids.js'
import { hashToken } from '../src/lib/secrets.js'
import { startServer } from '../src/platform/server.js'
import { PodsRepository } from '../src/pods/pods.repository.js'
import { LocalBus } from '../src/realtime/bus.js'
import { insertPods, JUPYTER_SERVICE, runningPod, scratchDatabase, seedUsers } from './support.js'

const run = promisify(execFile)
const USERS = Number(process.env.BENCH_USERS ?? 1000)
const PODS_PER_USER = 10
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = 50
const LEADER_LOCK = 7_001_002_003

interface LoadResult {
  requestsPerSecond: number
  p99: number
  p50: number
  non2xx: number
  errors: number
}

async function load(url: string, kind: 'get' | 'create-delete', token?: string): Promise<LoadResult> {
  const tsx = path.resolve(import.meta.dirname, '../../../node_modules/.bin/tsx')
  const job = JSON.stringify({ url, connections: CONNECTIONS, duration: DURATION, token, kind })
  const { stdout } = await run(tsx, [path.join(import.meta.dirname, 'load.ts'), job], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase('np_bench')
  const databaseUrl = scratch.url
  const lock = new pg.Client({ connectionString: databaseUrl })
  try {
    await lock.connect()
    await lock.query('select pg_advisory_lock($1)', [LEADER_LOCK])
    const seedDb = openPostgres(databaseUrl, 4)
    await migrateToLatest(seedDb.db)

    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      NEUROPOD_LOG_LEVEL: 'warn',
      NEUROPOD_RUNTIME: 'simulated',
      NEUROPOD_ADMIN_EMAIL: 'bench-admin@bench.local',
      NEUROPOD_ADMIN_PASSWORD: 'bench-admin-password',
    })
    const server = await startServer(config)
    if (server.platform.leader.isLeader) throw new Error('the bench must hold the leader lock')

    console.log(`Seeding ${USERS} users × ${PODS_PER_USER} running pods…`)
    const seedStart = performance.now()
    const now = new Date()
    const tokens = await seed(seedDb, now)
    console.log(`  seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)

    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench-admin@bench.local', password: 'bench-admin-password' }),
    })
    const adminToken = ((await login.json()) as { token: string }).token

    const check = await fetch(`${server.url}/api/pods`, {
      headers: { authorization: `Bearer ${tokens.user}` },
    })
    const own = (await check.json()) as { count: number }
    if (own.count !== PODS_PER_USER) throw new Error(`expected ${PODS_PER_USER} pods, got ${own.count}`)

    console.log(`Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s each\n`)
    const health = await load(`${server.url}/api/health`, 'get')
    const list = await load(`${server.url}/api/pods`, 'get', tokens.user)
    const adminList = await load(`${server.url}/api/pods/admin?page=3&limit=50`, 'get', adminToken)
    const cycles = await load(server.url, 'create-delete', adminToken)

    const row = (name: string, r: LoadResult, baseline: boolean, target = '') =>
      console.log(
        `${name.padEnd(30)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms  ${
          baseline ? 'baseline' : `ratio ${(r.requestsPerSecond / health.requestsPerSecond).toFixed(2)}`
        }${target}${r.non2xx + r.errors > 0 ? `  (non-2xx: ${r.non2xx}, errors: ${r.errors})` : ''}`,
      )
    row('GET /api/health', health, true)
    row("GET /api/pods (a user's 10)", list, false, '  (target ≥ 0.50)')
    row('GET /api/pods/admin (50/page)', adminList, false)
    row('POST + DELETE /api/pods', cycles, false, '  (requests/s, two per cycle)')

    // The meter: 10,000 running pods, one minute since the last tick.
    const meter = new Meter({
      db: seedDb.db,
      podRows: new PodsRepository(seedDb.db),
      clock: { now: () => new Date() },
      bus: new LocalBus(),
      onAutoStop: () => {},
      onError: () => {},
    })
    const ticks: number[] = []
    let charged = 0
    for (let i = 1; i <= 3; i++) {
      const result = await meter.tick(new Date(now.getTime() + i * 60_000))
      ticks.push(result.durationMs)
      charged = result.pods
    }
    const sorted = [...ticks].sort((a, b) => a - b)
    console.log(
      `\nmeter tick over ${charged.toLocaleString('en')} running pods: median ${sorted[1]!.toFixed(0)} ms (runs: ${ticks.map((t) => t.toFixed(0)).join(', ')} ms; target < 2000 ms)`,
    )
    const ledgerOk = await sql<{ bad: number }>`
      select count(*)::int as bad from users u
      where u.balance <> (select coalesce(sum(amount), 0) from ledger l where l.user_id = u.id)`.execute(
      seedDb.db,
    )
    console.log(
      `ledger sums to every balance: ${ledgerOk.rows[0]!.bad === 0 ? 'yes' : `NO (${ledgerOk.rows[0]!.bad} users differ)`}`,
    )

    await server.close()
    await seedDb.close()
  } finally {
    await lock.end().catch(() => {})
    await scratch.drop()
  }
}

/** Users with a welcome credit in the ledger and 10 running pods each, written in bulk. */
async function seed(database: ReturnType<typeof openPostgres>, now: Date): Promise<{ user: string }> {
  const db = database.db
  const userToken = `nps_${randomToken(32)}`
  const balance = 1_000_000_000
  const users = await seedUsers(db, USERS, now, balance)
  await db
    .insertInto('ledger')
    .columns(['user_id', 'type', 'amount', 'balance_after', 'reason', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('users')
        .select([
          sql`id`.as('user_id'),
          sql`'credit'`.as('type'),
          sql`${balance}::bigint`.as('amount'),
          sql`${balance}::bigint`.as('balance_after'),
          sql`'Bench credit'`.as('reason'),
          sql`${now}::timestamptz`.as('created_at'),
        ])
        .where('email', 'like', '%@bench.local')
        .where('role', '=', 'client'),
    )
    .execute()
  await db
    .insertInto('sessions')
    .values({
      id: newUuid(),
      user_id: users[0]!.id,
      token_hash: hashToken(userToken),
      provider: 'bench',
      created_at: now,
      expires_at: new Date(now.getTime() + 86_400_000),
    })
    .execute()
  const pods = users.flatMap((u) =>
    Array.from({ length: PODS_PER_USER }, (_, j) =>
      runningPod(u.id, now, {
        name: `pod-${j}`,
        http_services: JUPYTER_SERVICE,
        created_at: new Date(now.getTime() - j * 1000),
      }),
    ),
  )
  await insertPods(db, pods)
  return { user: userToken }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
