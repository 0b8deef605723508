import type Dockerode from 'dockerode'
import type { Logger } from '../../lib/logger.js'
import { errorMessage, ping } from './engine.js'
import { JsonLines } from './json-lines.js'
import { LABEL_INSTANCE, LABEL_POD } from './names.js'

/**
 * Follows the engine's /events stream for this instance's containers (one label filter) and
 * reports each container event. When the stream breaks (engine restarted, socket gone, or a
 * keep-alive ping fails) it reports the engine down once, reconnects with backoff, and reports it
 * up again; events missed in between are recovered by the resync the runtime then asks for.
 */

export interface ContainerEvent {
  containerId: string
  podId: string
  action: string
  exitCode: number | null
}

export interface EventWatcherOptions {
  docker: Dockerode
  instanceId: string
  log: Logger
  onEvent(event: ContainerEvent): void
  onDown(detail: string): void
  /** Connected again after onDown (not called for the first connection) */
  onUp(): void
  minBackoffMs?: number
  maxBackoffMs?: number
  /** A ping this often detects an engine that hangs without closing the stream */
  pingIntervalMs?: number
}

interface EngineEventMessage {
  Type?: string
  Action?: string
  status?: string
  id?: string
  Actor?: { ID?: string; Attributes?: Record<string, string> }
}

export class EventWatcher {
  private stream: (NodeJS.ReadableStream & { destroy?: () => void }) | null = null
  private closed = false
  private down = false
  private backoff: number
  private retryTimer: NodeJS.Timeout | null = null
  private pingTimer: NodeJS.Timeout | null = null
  private connecting: Promise<void> | null = null

  constructor(private readonly options: EventWatcherOptions) {
    this.backoff = options.minBackoffMs ?? 250
  }

  get connected(): boolean {
    return this.stream !== null
  }

  /** Connects once; if that fails the engine is reported down and retried in the background. */
  async start(): Promise<void> {
    this.pingTimer = setInterval(() => void this.ping(), this.options.pingIntervalMs ?? 15_000)
    this.pingTimer.unref()
    await this.connect()
  }

  close(): void {
    this.closed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.stream?.destroy?.()
    this.stream = null
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = null
    })
    return this.connecting
  }

  private async doConnect(): Promise<void> {
    if (this.closed) return
    let stream: NodeJS.ReadableStream & { destroy?: () => void }
    try {
      stream = await this.options.docker.getEvents({
        filters: JSON.stringify({ label: [`${LABEL_INSTANCE}=${this.options.instanceId}`] }),
      })
    } catch (error) {
      this.lost(`cannot follow the engine's events: ${errorMessage(error)}`)
      return
    }
    if (this.closed) {
      stream.destroy?.()
      return
    }
    this.stream = stream
    this.backoff = this.options.minBackoffMs ?? 250
    const lines = new JsonLines()
    let ended = false
    const end = (detail: string) => {
      if (ended) return
      ended = true
      if (this.stream === stream) this.lost(detail)
    }
    stream.on('data', (chunk: Buffer) => {
      for (const message of lines.push(chunk)) this.handle(message as EngineEventMessage)
    })
    stream.on('error', (error: unknown) => end(`the engine's event stream failed: ${errorMessage(error)}`))
    stream.on('end', () => end('the engine closed its event stream'))
    stream.on('close', () => end('the engine closed its event stream'))
    if (this.down) {
      this.down = false
      this.options.log.info({}, 'docker engine reachable again; event stream restored')
      this.options.onUp()
    }
  }

  private handle(message: EngineEventMessage): void {
    if ((message.Type ?? 'container') !== 'container') return
    const attributes = message.Actor?.Attributes ?? {}
    // Podman ORs label filters and some engines ignore them on reconnect: check again here.
    if (attributes[LABEL_INSTANCE] !== this.options.instanceId) return
    const podId = attributes[LABEL_POD]
    const containerId = message.Actor?.ID ?? message.id
    if (!podId || !containerId) return
    const code = attributes.exitCode
    this.options.onEvent({
      containerId,
      podId,
      action: (message.Action ?? message.status ?? '').split(':')[0]!,
      exitCode: code !== undefined && /^-?\d+$/.test(code) ? Number(code) : null,
    })
  }

  private lost(detail: string): void {
    if (this.closed) return
    const stream = this.stream
    this.stream = null
    stream?.destroy?.()
    if (!this.down) {
      this.down = true
      this.options.log.warn({ detail }, 'docker engine unreachable; reconnecting')
      this.options.onDown(detail)
    }
    if (this.retryTimer) return
    const delay = this.backoff
    this.backoff = Math.min(this.options.maxBackoffMs ?? 5000, this.backoff * 2)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.connect()
    }, delay)
  }

  private async ping(): Promise<void> {
    if (this.closed || !this.stream) return
    try {
      await ping(this.options.docker, 5000)
    } catch (error) {
      this.lost(`the engine does not answer: ${errorMessage(error)}`)
    }
  }
}
