import type { QueryClient } from '@tanstack/react-query'
import { authKeys } from '../api/queries/auth'
import { billingKeys } from '../api/queries/billing'
import { idleKeys } from '../api/queries/idle'
import { podKeys } from '../api/queries/pods'
import { userKeys } from '../api/queries/users'
import type { Page, Pod, PodEvent, User } from '../api/types'
import type { Notice, RealtimeEvent, Viewer } from './events'

/*
 * Socket events applied to the TanStack Query cache. The list functions are pure (data in, data
 * out) so they can be tested without a socket; `applyRealtimeEvent` only routes each event to the
 * cached queries it concerns (lists, a pod's page, its events) and reports what deserves a notice.
 */

const newer = (incoming: Pod, cached: Pod) => incoming.updatedAt >= cached.updatedAt

/** Replaces the pod (ignoring a stale copy); adds it at the top when `insert` and it is missing. */
export function mergePod(list: Pod[] | undefined, pod: Pod, insert: boolean): Pod[] | undefined {
  if (!list) return list
  const index = list.findIndex((p) => p.podId === pod.podId)
  if (index === -1) return insert ? [pod, ...list] : list
  const cached = list[index]!
  if (!newer(pod, cached)) return list
  const next = list.slice()
  next[index] = pod
  return next
}

export function removePod(list: Pod[] | undefined, podId: string): Pod[] | undefined {
  if (!list?.some((p) => p.podId === podId)) return list
  return list.filter((p) => p.podId !== podId)
}

/** Events keep server order (ids grow); a duplicate delivery is ignored. */
export function addPodEvent(events: PodEvent[] | undefined, event: PodEvent): PodEvent[] | undefined {
  if (!events) return events
  if (events.some((e) => e.id === event.id)) return events
  return [...events, event].sort((a, b) => a.id - b.id)
}

function mergeIntoPage(page: Page<Pod> | undefined, pod: Pod): Page<Pod> | undefined {
  if (!page) return page
  const data = mergePod(page.data, pod, false)
  return data === page.data ? page : { ...page, data: data ?? [] }
}

/** The pod as any cached query holds it: its own page, the viewer's list, or an admin page. */
export function findCachedPod(client: QueryClient, podId: string): Pod | undefined {
  const detail = client.getQueryData<Pod>(podKeys.detail(podId))
  if (detail) return detail
  const own = client.getQueryData<Pod[]>(podKeys.own)?.find((p) => p.podId === podId)
  if (own) return own
  for (const [, page] of client.getQueriesData<Page<Pod>>({ queryKey: podKeys.adminAll })) {
    const found = page?.data.find((p) => p.podId === podId)
    if (found) return found
  }
  return undefined
}

export function applyRealtimeEvent(client: QueryClient, event: RealtimeEvent, viewer: Viewer): Notice[] {
  const notices: Notice[] = []
  switch (event.name) {
    case 'podUpdate': {
      const { pod } = event.payload
      const before = findCachedPod(client, pod.podId)
      const mine = pod.userId === viewer.userId
      client.setQueryData<Pod[]>(podKeys.own, (list) =>
        mergePod(list, pod, mine && pod.status !== 'deleting'),
      )
      client.setQueriesData<Page<Pod>>({ queryKey: podKeys.adminAll }, (page) => mergeIntoPage(page, pod))
      client.setQueryData<Pod>(podKeys.detail(pod.podId), (cached) =>
        cached && newer(pod, cached) ? pod : cached,
      )
      const concernsViewer = mine || pod.createdBy === viewer.userId
      if (before && before.status !== pod.status && concernsViewer) {
        if (pod.status === 'error')
          notices.push({ kind: 'podFailed', podName: pod.podName, reason: pod.statusReason })
        else if (pod.status === 'running') notices.push({ kind: 'podRunning', podName: pod.podName })
      }
      return notices
    }
    case 'podCreated': {
      const { pod } = event.payload
      const mine = pod.userId === viewer.userId
      if (mine) client.setQueryData<Pod[]>(podKeys.own, (list) => mergePod(list, pod, true))
      // Admin lists are filtered and paged by the server: ask it where the new pod belongs.
      void client.invalidateQueries({ queryKey: podKeys.adminAll })
      // Pods the viewer deployed are confirmed by the deploy page itself; others are news.
      if (mine && event.payload.createdBy !== viewer.email)
        notices.push({ kind: 'podCreated', podName: pod.podName, owner: event.payload.createdBy })
      return notices
    }
    case 'podDeleted': {
      const { podId, podName } = event.payload
      const known = findCachedPod(client, podId)
      client.setQueryData<Pod[]>(podKeys.own, (list) => removePod(list, podId))
      client.setQueriesData<Page<Pod>>({ queryKey: podKeys.adminAll }, (page) => {
        if (!page) return page
        const data = removePod(page.data, podId) ?? []
        return data === page.data
          ? page
          : { ...page, data, count: data.length, total: Math.max(0, page.total - 1) }
      })
      client.removeQueries({ queryKey: podKeys.events(podId) })
      client.removeQueries({ queryKey: podKeys.stats(podId) })
      // An open pod page asks the server again and learns the pod is gone.
      void client.invalidateQueries({ queryKey: podKeys.detail(podId) })
      if (known) notices.push({ kind: 'podDeleted', podName: known.podName || podName })
      return notices
    }
    case 'podEvent': {
      const { podId, event: podEvent } = event.payload
      client.setQueryData<PodEvent[]>(podKeys.events(podId), (events) => addPodEvent(events, podEvent))
      if (podEvent.reason === 'AutoStopped')
        void client.invalidateQueries({ queryKey: idleKeys.notifications })
      return notices
    }
    case 'podIdleWarning': {
      const { podId, podName, minutesLeft } = event.payload
      void client.invalidateQueries({ queryKey: idleKeys.notifications })
      // Deadlines move without a podUpdate (activity is not news): fetch the pod's current one.
      void client.invalidateQueries({ queryKey: podKeys.all })
      notices.push({ kind: 'idleWarning', podId, podName, minutesLeft })
      return notices
    }
    case 'balanceUpdate': {
      const { newBalance, change, reason, updatedBy, userId } = event.payload
      if (userId === viewer.userId)
        client.setQueryData<User | null>(authKeys.me, (me) => (me ? { ...me, balance: newBalance } : me))
      void client.invalidateQueries({ queryKey: billingKeys.all })
      // Metering moves the balance every minute; only a person's change is news.
      if (updatedBy !== null) notices.push({ kind: 'balanceChanged', change, balance: newBalance, reason })
      return notices
    }
    case 'lowBalanceAlert': {
      const { level, currentBalance, hoursLeft } = event.payload
      void client.invalidateQueries({ queryKey: billingKeys.summary })
      notices.push({ kind: 'lowBalance', level, balance: currentBalance, hoursLeft })
      return notices
    }
    case 'adminNotification': {
      const { kind, message } = event.payload
      if (kind === 'userRegistered' || kind === 'userSuspended' || kind === 'userDeleted')
        void client.invalidateQueries({ queryKey: userKeys.all })
      void client.invalidateQueries({ queryKey: ['billing', 'admin-stats'] })
      notices.push({ kind: 'admin', event: kind, message })
      return notices
    }
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}
