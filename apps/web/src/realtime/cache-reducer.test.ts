import { QueryClient } from '@tanstack/react-query'
import { describe, expect, it } from 'vitest'
import { authKeys } from '../api/queries/auth'
import { podKeys } from '../api/queries/pods'
import type { Page, Pod, PodEvent } from '../api/types'
import { mockPod, mockPodUpdate, mockUser } from '../test-helpers/entities'
import { addPodEvent, applyRealtimeEvent, mergePod, removePod } from './cache-reducer'
import type { Viewer } from './events'

const alice: Viewer = {
  userId: '00000000-0000-4000-8000-000000000001',
  email: 'alice@example.com',
  role: 'client',
}
const admin: Viewer = {
  userId: '00000000-0000-4000-8000-0000000000aa',
  email: 'admin@example.com',
  role: 'admin',
}
const ts = '2026-01-01T10:00:00.000Z'

function event(id: number, progress: number | null = null): PodEvent {
  return {
    id,
    podId: 'a1b2c3d4e5f60718',
    at: ts,
    type: 'normal',
    reason: `R${id}`,
    message: `m${id}`,
    progress,
  }
}

describe('pure list updates', () => {
  it('replaces a pod with a newer copy and ignores a stale one', () => {
    const old = mockPod({ status: 'creating', updatedAt: '2026-01-01T10:00:01.000Z' })
    const list = [old]
    const newer = mockPod({ status: 'running', updatedAt: '2026-01-01T10:00:02.000Z' })
    expect(mergePod(list, newer, false)).toEqual([newer])
    const stale = mockPod({ status: 'pending', updatedAt: '2026-01-01T10:00:00.000Z' })
    expect(mergePod([newer], stale, false)).toEqual([newer])
  })

  it('inserts a missing pod at the top only when asked, and never into an unloaded list', () => {
    const other = mockPod({ podId: 'ffffffffffffffff', podName: 'other' })
    const pod = mockPod()
    expect(mergePod([other], pod, true)).toEqual([pod, other])
    expect(mergePod([other], pod, false)).toEqual([other])
    expect(mergePod(undefined, pod, true)).toBeUndefined()
  })

  it('removes a pod and keeps the same list when it was not there', () => {
    const pod = mockPod()
    expect(removePod([pod], pod.podId)).toEqual([])
    const list = [pod]
    expect(removePod(list, 'ffffffffffffffff')).toBe(list)
  })

  it('keeps events in server order without duplicates', () => {
    const events = [event(1), event(3)]
    expect(addPodEvent(events, event(2))?.map((e) => e.id)).toEqual([1, 2, 3])
    expect(addPodEvent(events, event(3))).toBe(events)
  })
})

describe('applyRealtimeEvent', () => {
  const fresh = () => new QueryClient()

  it('applies podUpdate to the own list and every cached admin page, and reports a failure', () => {
    const client = fresh()
    const pod = mockPod({ status: 'running' })
    client.setQueryData(podKeys.own, [pod])
    const page: Page<Pod> = { count: 1, total: 1, page: 1, limit: 20, data: [pod] }
    client.setQueryData(podKeys.admin({ page: 1, limit: 20 }), page)
    const failed = mockPod({
      status: 'error',
      statusReason: 'Exited with code 137 (OOM-killed)',
      updatedAt: '2026-01-01T10:01:00.000Z',
    })
    const notices = applyRealtimeEvent(
      client,
      {
        name: 'podUpdate',
        payload: mockPodUpdate(failed, ts),
      },
      alice,
    )
    expect(client.getQueryData<Pod[]>(podKeys.own)?.[0]?.status).toBe('error')
    expect(client.getQueryData<Page<Pod>>(podKeys.admin({ page: 1, limit: 20 }))?.data[0]?.status).toBe(
      'error',
    )
    expect(notices).toEqual([
      { kind: 'podFailed', podName: 'notebook', reason: 'Exited with code 137 (OOM-killed)' },
    ])
  })

  it('keeps an open pod page current, ignores a stale copy, and has it ask again once deleted', async () => {
    const client = fresh()
    const pod = mockPod({ status: 'creating', updatedAt: '2026-01-01T10:00:01.000Z' })
    client.setQueryData(podKeys.detail(pod.podId), pod)
    const update = (p: Pod) =>
      applyRealtimeEvent(
        client,
        {
          name: 'podUpdate',
          payload: mockPodUpdate(p, ts),
        },
        alice,
      )
    update(mockPod({ status: 'running', updatedAt: '2026-01-01T10:00:03.000Z' }))
    update(mockPod({ status: 'creating', updatedAt: '2026-01-01T10:00:02.000Z' }))
    expect(client.getQueryData<Pod>(podKeys.detail(pod.podId))?.status).toBe('running')
    applyRealtimeEvent(
      client,
      {
        name: 'podDeleted',
        payload: { type: 'podDeleted', podId: pod.podId, podName: pod.podName, timestamp: ts },
      },
      alice,
    )
    expect(client.getQueryState(podKeys.detail(pod.podId))?.isInvalidated).toBe(true)
  })

  it('does not put another user’s pod into an admin’s own list', () => {
    const client = fresh()
    client.setQueryData(podKeys.own, [])
    const pod = mockPod()
    applyRealtimeEvent(
      client,
      {
        name: 'podUpdate',
        payload: mockPodUpdate(pod, ts),
      },
      admin,
    )
    expect(client.getQueryData(podKeys.own)).toEqual([])
  })

  it('adds a created pod for its owner and tells them when someone else created it', () => {
    const client = fresh()
    client.setQueryData(podKeys.own, [])
    const pod = mockPod({ status: 'pending' })
    const payload = {
      type: 'podCreated' as const,
      podId: pod.podId,
      podName: pod.podName,
      status: pod.status,
      legacyStatus: pod.legacyStatus,
      gpu: pod.gpu,
      containerDiskSize: 10,
      volumeDiskSize: 20,
      pod,
      timestamp: ts,
    }
    expect(
      applyRealtimeEvent(
        client,
        { name: 'podCreated', payload: { ...payload, createdBy: alice.email } },
        alice,
      ),
    ).toEqual([])
    expect(client.getQueryData<Pod[]>(podKeys.own)).toHaveLength(1)
    const other = fresh()
    other.setQueryData(podKeys.own, [])
    expect(
      applyRealtimeEvent(
        other,
        { name: 'podCreated', payload: { ...payload, createdBy: admin.email } },
        alice,
      ),
    ).toEqual([{ kind: 'podCreated', podName: 'notebook', owner: admin.email }])
  })

  it('removes a deleted pod everywhere, drops its events and says which pod went', () => {
    const client = fresh()
    const pod = mockPod()
    client.setQueryData(podKeys.own, [pod])
    client.setQueryData(podKeys.admin({ page: 1 }), { count: 1, total: 1, page: 1, limit: 50, data: [pod] })
    client.setQueryData(podKeys.events(pod.podId), [event(1)])
    const notices = applyRealtimeEvent(
      client,
      {
        name: 'podDeleted',
        payload: { type: 'podDeleted', podId: pod.podId, podName: pod.podName, timestamp: ts },
      },
      alice,
    )
    expect(client.getQueryData(podKeys.own)).toEqual([])
    expect(client.getQueryData<Page<Pod>>(podKeys.admin({ page: 1 }))).toMatchObject({ data: [], total: 0 })
    expect(client.getQueryData(podKeys.events(pod.podId))).toBeUndefined()
    expect(notices).toEqual([{ kind: 'podDeleted', podName: 'notebook' }])
  })

  it('appends lifecycle events that drive the creation progress', () => {
    const client = fresh()
    const podId = 'a1b2c3d4e5f60718'
    client.setQueryData(podKeys.events(podId), [event(1, 10)])
    applyRealtimeEvent(
      client,
      { name: 'podEvent', payload: { type: 'podEvent', podId, event: event(2, 40), timestamp: ts } },
      alice,
    )
    expect(client.getQueryData<PodEvent[]>(podKeys.events(podId))?.map((e) => e.progress)).toEqual([10, 40])
  })

  it('updates the balance live, and only a person’s change is a notice', () => {
    const client = fresh()
    client.setQueryData(authKeys.me, mockUser({ balance: 10 }))
    const base = { type: 'balanceUpdate' as const, userId: alice.userId, timestamp: ts }
    expect(
      applyRealtimeEvent(
        client,
        {
          name: 'balanceUpdate',
          payload: { ...base, newBalance: 9.9, change: -0.1, reason: 'Usage', updatedBy: null },
        },
        alice,
      ),
    ).toEqual([])
    expect(client.getQueryData<{ balance: number }>(authKeys.me)?.balance).toBe(9.9)
    const notices = applyRealtimeEvent(
      client,
      {
        name: 'balanceUpdate',
        payload: { ...base, newBalance: 14.9, change: 5, reason: 'Course credit', updatedBy: admin.email },
      },
      alice,
    )
    expect(client.getQueryData<{ balance: number }>(authKeys.me)?.balance).toBe(14.9)
    expect(notices).toEqual([{ kind: 'balanceChanged', change: 5, balance: 14.9, reason: 'Course credit' }])
  })

  it('turns low-balance alerts and admin notifications into notices', () => {
    const client = fresh()
    expect(
      applyRealtimeEvent(
        client,
        {
          name: 'lowBalanceAlert',
          payload: {
            type: 'lowBalanceAlert',
            currentBalance: 0.5,
            hoursLeft: 0.1,
            threshold: 1,
            level: 'low',
            message: 'Low',
            timestamp: ts,
          },
        },
        alice,
      ),
    ).toEqual([{ kind: 'lowBalance', level: 'low', balance: 0.5, hoursLeft: 0.1 }])
    expect(
      applyRealtimeEvent(
        client,
        {
          name: 'adminNotification',
          payload: { type: 'adminNotification', kind: 'podFailed', message: 'Pod x failed', timestamp: ts },
        },
        admin,
      ),
    ).toEqual([{ kind: 'admin', event: 'podFailed', message: 'Pod x failed' }])
  })
})
