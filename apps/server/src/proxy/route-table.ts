import type { Kysely } from 'kysely'
import type { Database, DesiredStateValue, PodStatusValue } from '../db/schema.js'
import type { SecretBox } from '../lib/secrets.js'
import type { Bus } from '../realtime/bus.js'
import type { PodRuntime } from '../runtime/pod-runtime.js'

export interface ServiceRoute {
  port: number
  serviceName: string
  access: 'private' | 'public'
  jupyter: boolean
  status: 'creating' | 'ready' | 'error' | 'stopped'
}

/** What the proxy needs to know about a pod to serve its URLs. */
export interface PodRoute {
  podId: string
  slug: string
  name: string
  ownerId: string
  status: PodStatusValue
  desiredState: DesiredStateValue
  statusReason: string | null
  deleted: boolean
  services: ServiceRoute[]
  /** The platform-generated Jupyter token (injected upstream for the owner and admins only) */
  jupyterToken: string | null
}

export interface Endpoint {
  host: string
  port: number
  /** `host:port`, filled in by the forwarder once (its connection pool's key) */
  key?: string
}

export interface RouteEntry {
  /** null: no pod has this slug */
  route: PodRoute | null
  loadedAt: number
  endpoints: Map<number, Endpoint>
}

export interface RouteTableDeps {
  db: Kysely<Database>
  bus: Bus
  runtime: PodRuntime
  secrets: SecretBox
  now: () => number
}

/** Pod changes arrive over the bus at once; this bounds staleness if a message is ever lost. */
const MAX_AGE_MS = 15_000
/** Unknown slugs are remembered briefly so a scan of random hosts does not become a query each. */
const MISSING_MAX_AGE_MS = 5_000
const MAX_ENTRIES = 20_000

/**
 * slug → pod route, served from memory. Every replica drops a pod's entry when the bus announces
 * a change to it (status, access level, deletion), so the hot path is a map lookup and access
 * changes apply on the next request. Entries older than MAX_AGE_MS are refreshed in the background
 * while the cached one keeps serving.
 */
export class RouteTable {
  private readonly entries = new Map<string, RouteEntry>()
  private readonly slugByPod = new Map<string, string>()
  private readonly loading = new Map<string, Promise<RouteEntry>>()
  /** Bumped by every invalidation: a load that started before one must not be cached. */
  private generation = 0
  private readonly unsubscribe: () => void

  constructor(private readonly deps: RouteTableDeps) {
    this.unsubscribe = deps.bus.subscribe((m) => {
      if ((m.kind !== 'pod' && m.kind !== 'pod-reload') || m.event === 'podEvent') return
      this.invalidate(m.podId, m.event === 'podCreated')
    })
  }

  close(): void {
    this.unsubscribe()
    this.entries.clear()
  }

  /** The route for a slug: synchronously when cached, else once loaded. */
  resolve(slug: string): RouteEntry | Promise<RouteEntry> {
    const entry = this.entries.get(slug)
    if (entry) {
      const age = this.deps.now() - entry.loadedAt
      if (age < (entry.route ? MAX_AGE_MS : MISSING_MAX_AGE_MS)) return entry
      if (entry.route) {
        void this.load(slug).catch(() => {})
        return entry
      }
    }
    return this.load(slug)
  }

  /** Where the pod's port is reachable now, from the runtime (cached with the route). */
  endpoint(entry: RouteEntry, podId: string, port: number): Endpoint | null | Promise<Endpoint | null> {
    const known = entry.endpoints.get(port)
    if (known) return known
    return this.deps.runtime.endpoint(podId, port).then((endpoint) => {
      if (endpoint) entry.endpoints.set(port, endpoint)
      return endpoint
    })
  }

  /** The upstream refused or vanished: ask the runtime again next time (a restart may move it). */
  forgetEndpoint(entry: RouteEntry, port: number): void {
    entry.endpoints.delete(port)
  }

  invalidate(podId: string, created = false): void {
    this.generation++
    const slug = this.slugByPod.get(podId)
    if (slug) this.entries.delete(slug)
    if (created) {
      for (const [key, entry] of this.entries) if (!entry.route) this.entries.delete(key)
    }
  }

  private load(slug: string): Promise<RouteEntry> {
    const inFlight = this.loading.get(slug)
    if (inFlight) return inFlight
    const generation = this.generation
    const promise = this.query(slug)
      .then((route) => {
        const entry: RouteEntry = { route, loadedAt: this.deps.now(), endpoints: new Map() }
        const previous = this.entries.get(slug)
        // A refresh keeps the known endpoints when the pod is the same running pod.
        if (previous?.route && route && previous.route.status === route.status)
          for (const [port, endpoint] of previous.endpoints) entry.endpoints.set(port, endpoint)
        if (generation === this.generation) {
          if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
          this.entries.set(slug, entry)
          if (route) this.slugByPod.set(route.podId, slug)
        }
        return entry
      })
      .finally(() => this.loading.delete(slug))
    this.loading.set(slug, promise)
    return promise
  }

  private async query(slug: string): Promise<PodRoute | null> {
    const row = await this.deps.db
      .selectFrom('pods')
      .select([
        'id',
        'slug',
        'name',
        'user_id',
        'status',
        'desired_state',
        'status_reason',
        'deleted_at',
        'http_services',
        'jupyter_token_sealed',
      ])
      .where('slug', '=', slug)
      .executeTakeFirst()
    if (!row) return null
    let jupyterToken: string | null = null
    if (row.jupyter_token_sealed) {
      try {
        jupyterToken = this.deps.secrets.open(row.jupyter_token_sealed)
      } catch {
        jupyterToken = null
      }
    }
    return {
      podId: row.id,
      slug: row.slug,
      name: row.name,
      ownerId: row.user_id,
      status: row.status,
      desiredState: row.desired_state,
      statusReason: row.status_reason,
      deleted: row.deleted_at !== null || row.desired_state === 'deleted',
      services: row.http_services.map((s) => ({
        port: s.port,
        serviceName: s.serviceName,
        access: s.access === 'public' ? 'public' : 'private',
        jupyter: s.jupyter === true,
        status: s.status,
      })),
      jupyterToken,
    }
  }
}
