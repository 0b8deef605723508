import type {
  AdminNotificationEvent,
  BalanceUpdateEvent,
  LowBalanceAlertEvent,
  PodCreatedEvent,
  PodDeletedEvent,
  PodEventEvent,
  PodIdleWarningEvent,
  PodUpdateEvent,
} from '@neuropod/contracts'

/** The socket events that change what the UI shows, tagged with their event name. */
export type RealtimeEvent =
  | { name: 'podUpdate'; payload: PodUpdateEvent }
  | { name: 'podCreated'; payload: PodCreatedEvent }
  | { name: 'podDeleted'; payload: PodDeletedEvent }
  | { name: 'podEvent'; payload: PodEventEvent }
  | { name: 'balanceUpdate'; payload: BalanceUpdateEvent }
  | { name: 'lowBalanceAlert'; payload: LowBalanceAlertEvent }
  | { name: 'adminNotification'; payload: AdminNotificationEvent }
  | { name: 'podIdleWarning'; payload: PodIdleWarningEvent }

export const REALTIME_EVENT_NAMES = [
  'podUpdate',
  'podCreated',
  'podDeleted',
  'podEvent',
  'balanceUpdate',
  'lowBalanceAlert',
  'adminNotification',
  'podIdleWarning',
] as const satisfies readonly RealtimeEvent['name'][]

/** Who is watching: decides which lists a pod belongs to and which notices concern them. */
export interface Viewer {
  userId: string
  email: string
  role: 'client' | 'admin'
}

/** Something worth a toast, in data form; the provider turns it into translated text. */
export type Notice =
  | { kind: 'podCreated'; podName: string; owner: string | null }
  | { kind: 'podDeleted'; podName: string }
  | { kind: 'podFailed'; podName: string; reason: string | null }
  | { kind: 'podRunning'; podName: string }
  | { kind: 'balanceChanged'; change: number; balance: number | 'Infinity'; reason: string }
  | { kind: 'lowBalance'; level: 'low' | 'empty'; balance: number; hoursLeft: number | null }
  | { kind: 'admin'; event: AdminNotificationEvent['kind']; message: string }
  | { kind: 'idleWarning'; podId: string; podName: string; minutesLeft: number }
