import type { ServerToClientEvents } from '@neuropod/contracts'

/** The payload a browser receives for a Socket.IO event, as `packages/contracts` defines it. */
export type ClientPayload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0]

export type PodEventName = 'podUpdate' | 'podCreated' | 'podDeleted' | 'podEvent'
export type UserEventName = 'balanceUpdate' | 'lowBalanceAlert' | 'podIdleWarning'

/** A pod changed: delivered to its owner's room, the admins' room and the pod's room. */
export type PodMessage = {
  [E in PodEventName]: { kind: 'pod'; podId: string; userId: string; event: E; payload: ClientPayload<E> }
}[PodEventName]

/**
 * A pod message that was too large for NOTIFY, as other replicas receive it: enough to rebuild the
 * payload from the database (the pod view now, or the stored event).
 */
export type PodReloadMessage = { kind: 'pod-reload'; podId: string; userId: string } & (
  | { event: 'podUpdate'; message: string | null }
  | { event: 'podCreated'; createdBy: string | null }
  | { event: 'podEvent'; eventId: number }
)

/** Delivered to every socket of one user. */
export type UserMessage = {
  [E in UserEventName]: { kind: 'user'; userId: string; event: E; payload: ClientPayload<E> }
}[UserEventName]

export interface AdminsMessage {
  kind: 'admins'
  event: 'adminNotification'
  payload: ClientPayload<'adminNotification'>
}

/**
 * Cached credentials are stale: drop them and disconnect the matching sockets. Targets one API key,
 * one session, or (both null) every credential of the user, e.g. after a role change.
 */
export interface AccessRevokedMessage {
  kind: 'access-revoked'
  userId: string
  sessionId: string | null
  apiKeyId?: string | null
}

/**
 * Live usage samples (metrics/sampler.ts), batched to fit NOTIFY: each goes to its pod's room only
 * (sockets that subscribed after the access check: the owner and admins), never to a user room.
 */
export interface PodMetricsMessage {
  kind: 'pod-metrics'
  samples: ClientPayload<'podMetrics'>[]
}

export type BusMessage =
  | PodMessage
  | PodReloadMessage
  | UserMessage
  | AdminsMessage
  | AccessRevokedMessage
  | PodMetricsMessage
  /** An SSH key was deleted: sessions signed in with it close (shell/shell-sessions.ts). */
  | { kind: 'ssh-key-deleted'; userId: string; keyId: string }
  /** Prices or settings changed: every replica drops its catalog copy. */
  | { kind: 'catalog-changed' }
  /** Wake the leader's reconciler for this pod. */
  | { kind: 'reconcile'; podId: string }
