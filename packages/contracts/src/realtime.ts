import type { MetricsUnavailable, PodMetricPoint } from './metrics.js'
import type {
  HttpService,
  LegacyPodStatus,
  LogLine,
  Pod,
  PodEvent,
  PodStats,
  PodStatus,
  TcpService,
} from './pods.js'

/**
 * Socket.IO contract. Connect to the API's origin (path /socket.io) with `auth: { token }`
 * (a session token or API key); browsers may rely on the session cookie instead.
 *
 * Rooms: every socket joins `user:<id>`; admins also join `admins`; `subscribe` joins `pod:<podId>`
 * after an access check. Nothing is ever broadcast to every socket.
 */
export const REALTIME_VERSION = 1

interface Stamped {
  timestamp: string
}

export interface ConnectedEvent extends Stamped {
  type: 'connected'
  message: string
  userId: string
  role: 'client' | 'admin'
  version: typeof REALTIME_VERSION
}

/**
 * A pod changed. Carries the whole pod as its owner or an admin sees it, and, as the original sent
 * them, its `stats`, `httpServices` and `tcpServices` at the top level too (the same values as in
 * `pod`), with `legacyStatus` for clients that know only the original's four statuses.
 */
export interface PodUpdateEvent extends Stamped {
  type: 'podUpdate'
  podId: string
  status: PodStatus
  legacyStatus: LegacyPodStatus
  stats: PodStats
  httpServices: HttpService[]
  tcpServices: TcpService[]
  pod: Pod
  message?: string
}

export interface PodCreatedEvent extends Stamped {
  type: 'podCreated'
  podId: string
  podName: string
  status: PodStatus
  legacyStatus: LegacyPodStatus
  gpu: string
  containerDiskSize: number
  volumeDiskSize: number
  createdBy: string | null
  pod: Pod
}

export interface PodDeletedEvent extends Stamped {
  type: 'podDeleted'
  podId: string
  podName: string
}

export interface PodEventEvent extends Stamped {
  type: 'podEvent'
  podId: string
  event: PodEvent
}

export interface PodLogsEvent extends Stamped {
  type: 'podLogs'
  podId: string
  logs: LogLine[]
  /** true while the server keeps streaming new lines for this pod */
  follow: boolean
  /** true for the first batch (the tail), false for streamed lines */
  initial: boolean
  available: boolean
  reason: string | null
}

/** A live sample of a pod's usage: only to sockets subscribed to the pod (owner and admins). */
export interface PodMetricsEvent extends Stamped {
  type: 'podMetrics'
  podId: string
  sample: PodMetricPoint
  unavailable: MetricsUnavailable
}

export interface BalanceUpdateEvent extends Stamped {
  type: 'balanceUpdate'
  userId: string
  newBalance: number | 'Infinity'
  change: number
  reason: string
  updatedBy: string | null
}

export interface LowBalanceAlertEvent extends Stamped {
  type: 'lowBalanceAlert'
  currentBalance: number
  /** Hours the balance covers at the current burn rate (null when nothing accrues) */
  hoursLeft: number | null
  threshold: number
  level: 'low' | 'empty'
  message: string
}

export interface AdminNotificationEvent extends Stamped {
  type: 'adminNotification'
  kind:
    | 'userRegistered'
    | 'podFailed'
    | 'userSuspended'
    | 'userDeleted'
    | 'balanceExhausted'
    | 'runtimeUnreachable'
    | 'runtimeRecovered'
  message: string
  userId?: string
  podId?: string
}

/**
 * An idle pod will be stopped soon (ADR 0018): sent to its owner once per deadline, `warning lead`
 * minutes before. `POST /api/pods/:podId/extend` (Keep running) moves the deadline.
 */
export interface PodIdleWarningEvent extends Stamped {
  type: 'podIdleWarning'
  podId: string
  podName: string
  /** When the pod stops unless it is used or extended */
  deadline: string
  minutesLeft: number
  /** How far one Keep running moves the deadline */
  extendMinutes: number
  message: string
}

export interface SubscribedEvent {
  podId: string
  message: string
}

export type RealtimeErrorType =
  | 'INVALID_REQUEST'
  | 'POD_NOT_FOUND'
  | 'ACCESS_DENIED'
  | 'SESSION_EXPIRED'
  | 'LOGS_ERROR'
  | 'SUBSCRIPTION_ERROR'

export interface RealtimeErrorEvent extends Stamped {
  type: RealtimeErrorType
  message: string
  podId?: string
}

export interface ServerToClientEvents {
  connected: (e: ConnectedEvent) => void
  podUpdate: (e: PodUpdateEvent) => void
  podCreated: (e: PodCreatedEvent) => void
  podDeleted: (e: PodDeletedEvent) => void
  podEvent: (e: PodEventEvent) => void
  podLogs: (e: PodLogsEvent) => void
  podMetrics: (e: PodMetricsEvent) => void
  balanceUpdate: (e: BalanceUpdateEvent) => void
  lowBalanceAlert: (e: LowBalanceAlertEvent) => void
  adminNotification: (e: AdminNotificationEvent) => void
  podIdleWarning: (e: PodIdleWarningEvent) => void
  subscribed: (e: SubscribedEvent) => void
  unsubscribed: (e: SubscribedEvent) => void
  error: (e: RealtimeErrorEvent) => void
  pong: (e: Stamped) => void
}

export interface SubscribeRequest {
  podId: string
}
export interface LogsRequest {
  podId: string
  /** Lines of history to send first (default 200, max 5000) */
  tail?: number
  /** Keep streaming new lines until `stopLogs`, `unsubscribe` or disconnect */
  follow?: boolean
}

export interface ClientToServerEvents {
  subscribe: (req: SubscribeRequest) => void
  unsubscribe: (req: SubscribeRequest) => void
  requestLogs: (req: LogsRequest) => void
  stopLogs: (req: SubscribeRequest) => void
  ping: () => void
}
