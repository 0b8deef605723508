/**
 * What the benches share: a scratch PostgreSQL database, bulk seeding of users and running pods,
 * JSON calls into the app without a socket, waiting for a condition, and latency statistics.
 */
import type { FastifyInstance } from 'fastify'
import { type Insertable, type Kysely, sql } from 'kysely'
import pg from 'pg'
import type { Database } from '../src/db/schema.js'
import { newPodId, newSlug, newUuid } from '../src/lib/ids.js'

export const benchDatabaseUrl =
  process.env.NEUROPOD_BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test'

export interface ScratchDatabase {
  /** The new, empty database */
  url: string
  /** Ends its connections and drops it (kept with BENCH_KEEP_DATABASE) */
  drop(): Promise<void>
}

/** A fresh database next to NEUROPOD_BENCH_DATABASE_URL, named after the bench and the process. */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}`
  const admin = new pg.Client({ connectionString: benchDatabaseUrl })
  await admin.connect()
  await admin.query(`drop database if exists ${name}`)
  await admin.query(`create database ${name}`)
  const url = new URL(benchDatabaseUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      )
      if (!process.env.BENCH_KEEP_DATABASE) await admin.query(`drop database if exists ${name}`)
      await admin.end()
    },
  }
}

type UserRow = Insertable<Database['users']> & { id: string }
type PodRow = Insertable<Database['pods']> & { id: string }

/** `count` client accounts user0@bench.local… with `balance`, inserted 500 at a time. */
export async function seedUsers(
  db: Kysely<Database>,
  count: number,
  now: Date,
  balance: number,
): Promise<UserRow[]> {
  const users: UserRow[] = Array.from({ length: count }, (_, i) => ({
    id: newUuid(),
    email: `user${i}@bench.local`,
    name: `User ${i}`,
    role: 'client' as const,
    balance,
    created_at: now,
    updated_at: now,
  }))
  for (let i = 0; i < users.length; i += 500)
    await db
      .insertInto('users')
      .values(users.slice(i, i + 500))
      .execute()
  return users
}

/** Jupyter on 8888, private and ready: what a running pod's services look like. */
export const JUPYTER_SERVICE = JSON.stringify([
  {
    port: 8888,
    serviceName: 'Jupyter Lab',
    isCustom: false,
    access: 'private',
    status: 'ready',
    statusReason: null,
    jupyter: false,
  },
])

/** A running, metered pod of `userId` as the reconciler leaves it; `overrides` for the rest. */
export function runningPod(userId: string, now: Date, overrides: Partial<PodRow> = {}): PodRow {
  return {
    id: newPodId(),
    slug: newSlug(),
    name: 'pod',
    user_id: userId,
    created_by: userId,
    deployment_type: 'docker' as const,
    docker_image: 'jupyter/minimal-notebook:latest',
    gpu: 'rtx-4050',
    gpu_count: 1,
    container_disk_size: 10,
    volume_disk_size: 20,
    volume_path: '/workspace',
    enable_jupyter: false,
    env: '{}',
    http_services: '[]',
    tcp_services: '[]',
    desired_state: 'running' as const,
    status: 'running' as const,
    runtime: 'simulated',
    compute_rate: 3_000_000,
    storage_rate: 2_000_000,
    compute_active: true,
    billed_until: now,
    created_at: now,
    updated_at: now,
    started_at: now,
    ...overrides,
  }
}

/** Inserts pods 1,000 at a time, then refreshes the planner's statistics. */
export async function insertPods(db: Kysely<Database>, pods: PodRow[]): Promise<void> {
  for (let i = 0; i < pods.length; i += 1000)
    await db
      .insertInto('pods')
      .values(pods.slice(i, i + 1000))
      .execute()
  await sql`analyze`.execute(db)
}

/** JSON requests straight into the app (no socket): `{ status, headers, body }`. */
export function injectJson(app: FastifyInstance) {
  return async (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    options: { token?: string; body?: unknown } = {},
  ) => {
    const res = await app.inject({
      method,
      url,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body ? { payload: JSON.stringify(options.body) } : {}),
    })
    // biome-ignore lint/suspicious/noExplicitAny: a bench reads whatever the endpoint answered
    const body: any = res.body ? JSON.parse(res.body) : null
    return { status: res.statusCode, headers: res.headers, body }
  }
}

/** Polls `condition` every 100 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Mean and percentiles of durations in milliseconds. */
export function msStats(values: number[]): { mean: number; p50: number; p95: number; p99: number } {
  const s = [...values].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(s.length * q))]!
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) }
}
