import type { Pod, PodEvent } from '@neuropod/contracts'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Clock } from '../lib/clock.js'
import type { Bus } from '../realtime/bus.js'
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
    this.bus.publish({
      kind: 'pod',
      podId,
      userId: pod.userId,
      event: 'podUpdate',
      payload: {
        type: 'podUpdate',
        podId,
        status: pod.status,
        pod,
        ...(message ? { message } : {}),
        timestamp: this.clock.now().toISOString(),
      },
    })
    return pod
  }

  created(pod: Pod, creatorEmail: string | null): void {
    this.bus.publish({
      kind: 'pod',
      podId: pod.podId,
      userId: pod.userId,
      event: 'podCreated',
      payload: {
        type: 'podCreated',
        podId: pod.podId,
        podName: pod.podName,
        status: pod.status,
        gpu: pod.gpu,
        containerDiskSize: pod.containerDiskSize,
        volumeDiskSize: pod.volumeDiskSize,
        createdBy: creatorEmail,
        pod,
        timestamp: this.clock.now().toISOString(),
      },
    })
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

  /** Appends to the pod's event list and streams it to subscribers. */
  async event(podId: string, input: EventInput, trx?: Transaction<Database>): Promise<void> {
    const db = trx ?? this.db
    const at = this.clock.now()
    const pod = await db.selectFrom('pods').select('user_id').where('id', '=', podId).executeTakeFirst()
    if (!pod) return
    const row = await db
      .insertInto('pod_events')
      .values({
        pod_id: podId,
        at,
        type: input.type,
        reason: input.reason,
        message: input.message.slice(0, 2000),
        progress: input.progress,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const event: PodEvent = {
      id: row.id,
      podId,
      at: at.toISOString(),
      ...input,
      message: input.message.slice(0, 2000),
    }
    this.bus.publish({
      kind: 'pod',
      podId,
      userId: pod.user_id,
      event: 'podEvent',
      payload: { type: 'podEvent', podId, event, timestamp: at.toISOString() },
    })
  }
}
