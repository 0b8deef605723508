import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type { ClientToServerEvents, ServerToClientEvents } from '@neuropod/contracts'
import pg from 'pg'
import type { Socket } from 'socket.io-client'
import { inject } from 'vitest'
import { type Config, loadConfig } from '../src/config.js'
import { type DatabaseHandle, openPglite, openPostgres } from '../src/db/database.js'
import type { ActivitySignal } from '../src/idle/activity-signal.js'
import type { Clock } from '../src/lib/clock.js'
import { type RunningServer, startServer } from '../src/platform/server.js'
import type { PodRuntime } from '../src/runtime/pod-runtime.js'
import { connectSocket } from './socket-client.js'

export const ADMIN_EMAIL = 'admin@test.local'
export const ADMIN_PASSWORD = 'admin-password-123'

/** A clock the test moves by hand. Never advances on its own. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current)
  }
  set(date: Date | string): void {
    this.current = new Date(date)
  }
  advance(ms: number): Date {
    this.current = new Date(this.current.getTime() + ms)
    return this.now()
  }
}

export const usingPostgres = (): boolean => Boolean(inject('pgTemplate'))

/** A fresh database cloned from the run's migrated template. */
export async function cloneDatabase(): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  const pgTemplate = inject('pgTemplate')
  if (pgTemplate) {
    const name = `np_t_${process.pid}_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: pgTemplate.url })
    await admin.connect()
    await admin.query(`create database ${name} template ${pgTemplate.templateName}`)
    const url = new URL(pgTemplate.url)
    url.pathname = `/${name}`
    const handle = openPostgres(url.toString())
    return {
      handle,
      drop: async () => {
        await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
          [name],
        )
        await admin.query(`drop database if exists ${name}`)
        await admin.end()
      },
    }
  }
  const dump = fs.readFileSync(inject('pgliteTemplate'))
  const handle = await openPglite({ loadDataDir: new Blob([dump]) })
  return { handle, drop: async () => {} }
}

export interface TestServerOptions {
  env?: Record<string, string>
  clock?: Clock
  runtime?: PodRuntime
  /** The idle evaluator's pull signals (default: the platform's own) */
  activitySignals?: ActivitySignal[]
  /** Reuse a database (restart tests); it is not dropped on close */
  database?: DatabaseHandle
  /** Receives the server's log lines (set NEUROPOD_LOG_LEVEL in env to see any) */
  logDestination?: { write(line: string): void }
}

export interface TestServer extends RunningServer {
  config: Config
  adminToken: string
  request<T = Json>(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T; headers: Record<string, string | string[] | number | undefined> }>
  /** Registers a client and returns its token and id */
  newClient(name?: string): Promise<{ token: string; id: string; email: string }>
  socket(token: string): Promise<Socket<ServerToClientEvents, ClientToServerEvents>>
  stop(): Promise<void>
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
export type Json = any

let clientCounter = 0

export async function createTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const owned = options.database ? null : await cloneDatabase()
  const database = options.database ?? owned!.handle
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    NEUROPOD_LOG_LEVEL: process.env.NEUROPOD_TEST_LOG_LEVEL ?? 'silent',
    NEUROPOD_ADMIN_EMAIL: ADMIN_EMAIL,
    NEUROPOD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    NEUROPOD_RUNTIME: 'simulated',
    NEUROPOD_SIM_CREATE_DELAY_MS: '10',
    NEUROPOD_SIM_START_DELAY_MS: '10',
    NEUROPOD_METER_INTERVAL_SECONDS: '3600',
    // Round storage prices the suites' figures are written in (the shipped defaults are ~137 µ€/GB-h).
    CONTAINER_DISK_PRICE: '0.05',
    VOLUME_DISK_PRICE: '0.1',
    NEUROPOD_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    ...options.env,
  })
  const server = await startServer(config, {
    database,
    clock: options.clock,
    runtime: options.runtime,
    activitySignals: options.activitySignals,
    logDestination: options.logDestination,
  })
  const publicOrigin = new URL(config.publicUrl).origin

  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    const res = await server.app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(opts.body !== undefined
        ? { payload: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
        : {}),
      ...(opts.body !== undefined && typeof opts.body !== 'string'
        ? { headers: { ...headers, 'content-type': 'application/json' } }
        : {}),
    })
    let body: Json = res.body
    try {
      body = res.json()
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body, headers: res.headers }
  }

  const login = await request('POST', '/api/auth/login', {
    body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
  })
  if (login.status !== 200) throw new Error(`admin login failed: ${JSON.stringify(login.body)}`)

  const sockets: Socket[] = []
  return {
    ...server,
    config,
    adminToken: login.body.token,
    request,
    async newClient(name?: string) {
      clientCounter++
      const email = `${name ?? 'client'}-${clientCounter}-${randomBytes(3).toString('hex')}@test.local`
      const res = await request('POST', '/api/auth/register', {
        body: { email, password: 'client-password-1', name: name ?? `Client ${clientCounter}` },
      })
      if (res.status !== 201) throw new Error(`register failed: ${JSON.stringify(res.body)}`)
      return { token: res.body.token, id: res.body.user.id, email }
    },
    async socket(token: string) {
      const socket = await connectSocket(server.url, token, publicOrigin)
      sockets.push(socket)
      return socket
    },
    async stop() {
      for (const s of sockets) s.disconnect()
      await server.close()
      await owned?.drop()
    },
  }
}

/** Resolves with the first event matching `predicate`, or rejects after `timeoutMs`. */
export function waitForEvent<E extends keyof ServerToClientEvents>(
  socket: Socket<ServerToClientEvents, ClientToServerEvents>,
  event: E,
  predicate: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler as never)
      reject(new Error(`timed out waiting for ${String(event)}`))
    }, timeoutMs)
    const handler = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!predicate(payload)) return
      clearTimeout(timer)
      socket.off(event, handler as never)
      resolve(payload)
    }
    socket.on(event, handler as never)
  })
}

/** Polls until `check` returns a truthy value (for state reached through the reconciler). */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate: { url: string; templateName: string }
    pgliteTemplate: string
    /** Where test/status-recorder.ts writes each test file's response statuses */
    statusRecordDir: string
  }
}
