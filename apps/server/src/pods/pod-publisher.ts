import type { Pod, PodEvent, PodUpdateEvent } from '@neuropod/contracts'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { executor, type Tx } from '../db/transaction.js'
import type { Clock } from '../lib/clock.js'
import type { Bus } from '../realtime/bus.js'
import type { PodMessage, PodReloadMessage } from '../realtime/messages.js'
import { podView, selectPodViews, type ViewOptions } from './pod-view.js'

export interface EventInput {
  type: 'normal' | 'warning'
  reason: string
  message: string
  progress: number | null
}

/**
 * Loads pods as their owner and admins see them and tells the realtime layer. Every message is
 * addressed to the pod's room, its owner's room and the admins' room — never to everyone.
 */
export class PodPublisher {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly viewOptions: () => Omit<ViewOptions, 'now'>,
  ) {}

  options(): ViewOptions {
    return { ...this.viewOptions(), now: this.clock.now() }
  }

  async view(podId: string): Promise<Pod | null> {
    const row = await selectPodViews(this.db).where('pods.id', '=', podId).executeTakeFirst()
    return row ? podView(row, this.options()) : null
  }

  async update(podId: string, message?: string): Promise<Pod | null> {
    const pod = await this.view(podId)
    if (!pod) return null
    this.bus.publish(podUpdateMessage(pod, message ?? null, this.clock.now()))
    return pod
  }

  /** Publishes the current state of several pods with one query (the idle evaluator's stops). */
  async updateMany(podIds: string[], message?: string): Promise<void> {
    if (podIds.length === 0) return
    const rows = await selectPodViews(this.db).where('pods.id', 'in', podIds).execute()
    const options = this.options()
    for (const row of rows)
      this.bus.publish(podUpdateMessage(podView(row, options), message ?? null, options.now))
  }

  created(pod: Pod, creatorEmail: string | null): void {
    this.bus.publish(podCreatedMessage(pod, creatorEmail, this.clock.now()))
  }

  deleted(podId: string, userId: string, podName: string): void {
    this.bus.publish({
      kind: 'pod',
      podId,
      userId,
      event: 'podDeleted',
      payload: { type: 'podDeleted', podId, podName, timestamp: this.clock.now().toISOString() },
    })
  }

  /** Rebuilds, from the database, a pod message that was too large for the bus. Null when the pod or event is gone. */
  async rebuild(m: PodReloadMessage): Promise<PodMessage | null> {
    if (m.event === 'podEvent') {
      const event = await this.storedEvent(m.podId, m.eventId)
      if (!event) return null
      const payload = { type: 'podEvent', podId: m.podId, event, timestamp: event.at } as const
      return { kind: 'pod', podId: m.podId, userId: m.userId, event: 'podEvent', payload }
    }
    const pod = await this.view(m.podId)
    if (!pod) return null
    return m.event === 'podUpdate'
      ? podUpdateMessage(pod, m.message, this.clock.now())
      : podCreatedMessage(pod, m.createdBy, this.clock.now())
  }

  /**
   * Appends to the pod's event list and streams it to subscribers: inside `tx`, once it commits
   * (a rolled-back event was never there), else at once.
   */
  async event(podId: string, input: EventInput, tx?: Tx): Promise<void> {
    const db = executor(this.db, tx)
    const at = this.clock.now()
    const pod = await db.selectFrom('pods').select('user_id').where('id', '=', podId).executeTakeFirst()
    if (!pod) return
    const message = input.message.slice(0, 2000)
    const row = await db
      .insertInto('pod_events')
      .values({
        pod_id: podId,
        at,
        type: input.type,
        reason: input.reason,
        message,
        progress: input.progress,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const event: PodEvent = { id: row.id, podId, at: at.toISOString(), ...input, message }
    const publish = () =>
      this.bus.publish({
        kind: 'pod',
        podId,
        userId: pod.user_id,
        event: 'podEvent',
        payload: { type: 'podEvent', podId, event, timestamp: at.toISOString() },
      })
    if (tx) tx.afterCommit(publish)
    else publish()
  }

  /** A stored event as its subscribers receive it (rebuilding a message too large for the bus). */
  async storedEvent(podId: string, eventId: number): Promise<PodEvent | null> {
    const r = await this.db
      .selectFrom('pod_events')
      .selectAll()
      .where('id', '=', eventId)
      .where('pod_id', '=', podId)
      .executeTakeFirst()
    return r ? podEventView(r) : null
  }
}

export function podEventView(r: {
  id: number
  pod_id: string
  at: Date | string
  type: 'normal' | 'warning'
  reason: string
  message: string
  progress: number | null
}): PodEvent {
  return {
    id: r.id,
    podId: r.pod_id,
    at: new Date(r.at).toISOString(),
    type: r.type,
    reason: r.reason,
    message: r.message,
    progress: r.progress,
  }
}

export function podUpdateMessage(pod: Pod, message: string | null, now: Date): PodMessage {
  return {
    kind: 'pod',
    podId: pod.podId,
    userId: pod.userId,
    event: 'podUpdate',
    payload: podUpdatePayload(pod, message, now),
  }
}

/** What a socket receives for a changed pod: the pod, and the original's top-level copies of its parts. */
export function podUpdatePayload(pod: Pod, message: string | null, now: Date): PodUpdateEvent {
  return {
    type: 'podUpdate',
    podId: pod.podId,
    status: pod.status,
    legacyStatus: pod.legacyStatus,
    stats: pod.stats,
    httpServices: pod.httpServices,
    tcpServices: pod.tcpServices,
    pod,
    ...(message ? { message } : {}),
    timestamp: now.toISOString(),
  }
}

function podCreatedMessage(pod: Pod, createdBy: string | null, now: Date): PodMessage {
  return {
    kind: 'pod',
    podId: pod.podId,
    userId: pod.userId,
    event: 'podCreated',
    payload: {
      type: 'podCreated',
      podId: pod.podId,
      podName: pod.podName,
      status: pod.status,
      legacyStatus: pod.legacyStatus,
      gpu: pod.gpu,
      containerDiskSize: pod.containerDiskSize,
      volumeDiskSize: pod.volumeDiskSize,
      createdBy,
      pod,
      timestamp: now.toISOString(),
    },
  }
}
