import type { Watch } from '@kubernetes/client-node'
import { monotonicMs } from '../../lib/clock.js'
import type { Logger } from '../../lib/logger.js'
import { isGone, KubeApiError, kubeError } from './kube-client.js'

/**
 * A list+watch cache of one kind of object, like client-go's informer:
 * - lists once (consistent read), then watches from the list's resourceVersion;
 * - when the watch ends (server timeout, connection drop) it resumes from the last
 *   resourceVersion it saw, kept fresh by bookmarks, so a quiet watch costs one request per
 *   timeout and nothing per object;
 * - when the server answers 410 Gone (the version was compacted away) it lists again and reports
 *   the difference as adds, updates and deletes;
 * - errors back off exponentially (up to 30 s) and are reported, so the runtime can say it lost
 *   the cluster;
 * - every `resyncMs` it re-delivers each cached object to `resync` (no request), the safety net
 *   for handlers that dropped something.
 * client-node's own ListWatch stops for good on the first non-410 error and has no resync, hence
 * this class.
 */

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string }
}

export interface ListResult<T> {
  items: T[]
  resourceVersion: string
}

export interface InformerHandlers<T> {
  added?(obj: T): void
  updated?(obj: T, previous: T): void
  deleted?(obj: T): void
  resync?(obj: T): void
  /** The cache was (re)filled by a list; `initial` is true the first time. */
  listed?(initial: boolean): void
  /** A watch was established (the server answered 200). */
  connected?(): void
  /** A list or watch failed; `attempt` counts consecutive failures. */
  failed?(error: KubeApiError, attempt: number): void
}

export interface InformerOptions<T> {
  /** For logs, e.g. "pods" */
  kind: string
  /** Watch path, e.g. /api/v1/namespaces/neuropod/pods */
  path: string
  list(selectors: { labelSelector?: string; fieldSelector?: string }): Promise<ListResult<T>>
  watch: Watch
  labelSelector?: string
  fieldSelector?: string
  /** Server-side watch timeout; randomised by the caller so watches do not reconnect in step */
  timeoutSeconds: () => number
  resyncMs: number | null
  log: Logger
  handlers: InformerHandlers<T>
}

export interface InformerStats {
  lists: number
  watches: number
  expired: number
  failures: number
}

const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 30_000

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>()
  private resourceVersion = ''
  private stopped = true
  private cancelWatch: (() => void) | null = null
  private wake: (() => void) | null = null
  private resyncTimer: NodeJS.Timeout | null = null
  private loop: Promise<void> | null = null
  private syncedOnce = false
  private syncWaiters: (() => void)[] = []
  readonly stats: InformerStats = { lists: 0, watches: 0, expired: 0, failures: 0 }

  constructor(private readonly options: InformerOptions<T>) {}

  get synced(): boolean {
    return this.syncedOnce
  }

  get(name: string): T | undefined {
    return this.cache.get(name)
  }

  list(): T[] {
    return [...this.cache.values()]
  }

  get size(): number {
    return this.cache.size
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.loop = this.run()
    if (this.options.resyncMs) {
      this.resyncTimer = setInterval(() => {
        for (const obj of this.cache.values()) this.options.handlers.resync?.(obj)
      }, this.options.resyncMs)
      this.resyncTimer.unref()
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.resyncTimer) clearInterval(this.resyncTimer)
    this.resyncTimer = null
    this.cancelWatch?.()
    this.wake?.()
    await this.loop
    this.loop = null
  }

  /** Resolves once the first list has filled the cache; false after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.syncedOnce) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== done)
        resolve(false)
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        resolve(true)
      }
      this.syncWaiters.push(done)
    })
  }

  private async run(): Promise<void> {
    let failures = 0
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist()
        if (this.stopped) break
        const started = monotonicMs()
        const outcome = await this.watchOnce()
        if (outcome === 'expired') {
          this.stats.expired++
          this.options.log.info({ kind: this.options.kind }, 'watch expired (410 Gone): listing again')
          this.resourceVersion = ''
        }
        failures = 0
        // A watch the server ends at once, over and over, must not become a busy loop.
        if (outcome === 'ended' && !this.stopped && monotonicMs() - started < 1000) await this.sleep(1000)
      } catch (error) {
        if (this.stopped) break
        const e = kubeError(error, `watch ${this.options.kind}`)
        if (isGone(e)) {
          this.stats.expired++
          this.resourceVersion = ''
          continue
        }
        failures++
        this.stats.failures++
        this.options.handlers.failed?.(e, failures)
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(failures, 10))
        await this.sleep(delay * (0.8 + Math.random() * 0.4))
      }
    }
  }

  private async relist(): Promise<void> {
    const { labelSelector, fieldSelector } = this.options
    const result = await this.options.list({
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    })
    if (this.stopped) return
    this.stats.lists++
    const fresh = new Map<string, T>()
    for (const item of result.items) fresh.set(item.metadata?.name ?? '', item)
    const previous = new Map(this.cache)
    this.cache.clear()
    for (const [name, obj] of fresh) this.cache.set(name, obj)
    const { handlers } = this.options
    for (const [name, obj] of fresh) {
      const old = previous.get(name)
      if (!old) handlers.added?.(obj)
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) handlers.updated?.(obj, old)
    }
    for (const [name, old] of previous) if (!fresh.has(name)) handlers.deleted?.(old)
    this.resourceVersion = result.resourceVersion
    const initial = !this.syncedOnce
    this.syncedOnce = true
    for (const w of this.syncWaiters.splice(0)) w()
    handlers.listed?.(initial)
  }

  /** Watches until the server ends the stream; 'expired' when it said the version is too old. */
  private watchOnce(): Promise<'ended' | 'expired'> {
    const { path, labelSelector, fieldSelector, watch } = this.options
    const timeoutSeconds = this.options.timeoutSeconds()
    const params: Record<string, string | number | boolean> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
    }
    if (labelSelector) params.labelSelector = labelSelector
    if (fieldSelector) params.fieldSelector = fieldSelector
    this.stats.watches++
    return new Promise((resolve, reject) => {
      let done = false
      let expired = false
      let failure: KubeApiError | null = null
      let controller: AbortController | null = null
      let watchdog: NodeJS.Timeout | null = null
      const finish = (error: unknown) => {
        if (done) return
        done = true
        if (watchdog) clearTimeout(watchdog)
        this.cancelWatch = null
        controller?.abort()
        if (expired) resolve('expired')
        else if (failure) reject(failure)
        else if (error && !this.stopped && !isAbort(error)) reject(error)
        else resolve('ended')
      }
      // The server ends a watch after timeoutSeconds; silence well beyond that means a dead
      // connection, or a request whose headers never came. Either way the watch is abandoned.
      const arm = () => {
        if (watchdog) clearTimeout(watchdog)
        watchdog = setTimeout(() => finish(null), (timeoutSeconds + 30) * 1000)
        watchdog.unref()
      }
      this.cancelWatch = () => finish(null)
      const onEvent = (type: string, obj: unknown) => {
        if (done) return
        arm()
        if (type === 'ERROR') {
          const status = obj as { code?: number; reason?: string; message?: string }
          if (status.code === 410) expired = true
          else
            failure = new KubeApiError(
              `watch ${this.options.kind}: ${status.message ?? 'error event'}`,
              status.code ?? 500,
              status.reason ?? null,
            )
          finish(null)
          return
        }
        this.apply(type, obj as T)
      }
      arm()
      watch
        .watch(path, params, onEvent, finish)
        .then((c) => {
          // client-node resolves after the response headers; a failed request is already done.
          controller = c
          if (done) c.abort()
          else this.options.handlers.connected?.()
        })
        .catch(finish)
    })
  }

  private apply(type: string, obj: T): void {
    const version = obj.metadata?.resourceVersion
    if (type === 'BOOKMARK') {
      if (version) this.resourceVersion = version
      return
    }
    const name = obj.metadata?.name ?? ''
    const previous = this.cache.get(name)
    const { handlers } = this.options
    if (type === 'ADDED' || type === 'MODIFIED') {
      this.cache.set(name, obj)
      if (previous) handlers.updated?.(obj, previous)
      else handlers.added?.(obj)
    } else if (type === 'DELETED') {
      this.cache.delete(name)
      handlers.deleted?.(obj)
    }
    if (version) this.resourceVersion = version
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve()
      const timer = setTimeout(() => {
        this.wake = null
        resolve()
      }, ms)
      this.wake = () => {
        clearTimeout(timer)
        this.wake = null
        resolve()
      }
    })
  }
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: string; type?: string })?.name
  return name === 'AbortError' || (error as { type?: string })?.type === 'aborted'
}
