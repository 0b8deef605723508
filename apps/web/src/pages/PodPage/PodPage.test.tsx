import { QueryClient } from '@tanstack/react-query'
import { act, fireEvent, screen, waitFor } from '@testing-library/react'
import { Route, Routes } from 'react-router'
import { describe, expect, it } from 'vitest'
import { podKeys } from '../../api/queries/pods'
import type { Pod, PodEvent } from '../../api/types'
import { applyRealtimeEvent } from '../../realtime/cache-reducer'
import { mockPod, mockPodUpdate, mockUser } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { PodPage } from './PodPage'

const me = mockUser()
const viewer = { userId: me.id, email: me.email, role: me.role }
const ts = '2026-01-01T10:00:10.000Z'

function event(id: number, reason: string, message: string): PodEvent {
  return { id, podId: 'a1b2c3d4e5f60718', at: ts, type: 'normal', reason, message, progress: null }
}

describe('PodPage', () => {
  it('follows the pod live from the realtime cache: status, and events as they come', async () => {
    // What the server answered when the page opened; nothing is fetched again in this test.
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } })
    const pod = mockPod({ status: 'creating', startedAt: null })
    client.setQueryData(podKeys.detail(pod.podId), pod)
    client.setQueryData(podKeys.events(pod.podId), [event(1, 'Created', 'Pod requested')])
    renderView(
      <Routes>
        <Route path="/pods/:podId" element={<PodPage me={me} />} />
      </Routes>,
      { client, path: `/pods/${pod.podId}` },
    )
    expect(screen.getByTestId('pod-status').textContent).toBe('Starting')
    fireEvent.click(screen.getByRole('tab', { name: 'Events' }))
    expect(screen.getByText('Pod requested')).toBeTruthy()

    const running: Pod = { ...pod, status: 'running', legacyStatus: 'running', startedAt: ts, updatedAt: ts }
    act(() => {
      applyRealtimeEvent(
        client,
        {
          name: 'podUpdate',
          payload: mockPodUpdate(running, ts),
        },
        viewer,
      )
      applyRealtimeEvent(
        client,
        {
          name: 'podEvent',
          payload: {
            type: 'podEvent',
            podId: pod.podId,
            event: event(2, 'Ready', 'Every port answers'),
            timestamp: ts,
          },
        },
        viewer,
      )
    })
    await waitFor(() => expect(screen.getByTestId('pod-status').textContent).toBe('Running'))
    expect(screen.getByText('Every port answers')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy()
  })
})
