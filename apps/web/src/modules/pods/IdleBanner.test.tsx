import { fireEvent, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { NotificationsView } from '../../pages/NotificationsPage/NotificationsPage'
import { autoStopBody, autoStopValues, PodAutoStopView } from '../../pages/PodPage/PodAutoStop'
import { PodsPageView } from '../../pages/PodsPage/PodsPage'
import { mockPod, mockUser } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { IdleBannerView, LastActivity } from './IdleBanner'
import { autoStopReason, runwayHours, upcomingStop } from './idle'

const NOW = new Date('2026-01-01T11:00:00.000Z').getTime()
const idle = (over: Partial<ReturnType<typeof mockPod>['idle']>) => ({ ...mockPod().idle, ...over })

describe('idle helpers', () => {
  it('warns only within the lead, for pods meant to run', () => {
    const pod = mockPod({
      idle: idle({ nextStop: { at: '2026-01-01T11:08:00.000Z', kind: 'idle' } }),
    })
    expect(upcomingStop(pod, 10, NOW)).toEqual({
      at: '2026-01-01T11:08:00.000Z',
      kind: 'idle',
      minutesLeft: 8,
    })
    expect(upcomingStop(pod, 5, NOW)).toBeNull()
    expect(upcomingStop({ ...pod, desiredState: 'stopped' }, 10, NOW)).toBeNull()
    expect(
      autoStopReason(mockPod({ desiredState: 'stopped', idle: idle({ lastAutoStop: 'idle 30 min' }) })),
    ).toBe('idle 30 min')
  })

  it('computes the balance runway from the pods that accrue', () => {
    const running = mockPod({ costPerHour: 2, storageCostPerHour: 0.5 })
    const stopped = mockPod({
      podId: 'ffffffffffffffff',
      desiredState: 'stopped',
      costPerHour: 2,
      storageCostPerHour: 0.5,
    })
    expect(runwayHours(5, [running, stopped])).toBe(2)
    expect(runwayHours('Infinity', [running])).toBeNull()
    expect(runwayHours(5, [])).toBeNull()
  })
})

describe('IdleBannerView', () => {
  it('shows the coming idle stop with Keep running', () => {
    const onKeepRunning = vi.fn()
    const pod = mockPod()
    renderView(
      <IdleBannerView
        pod={pod}
        upcoming={{ at: '2026-01-01T11:08:00.000Z', kind: 'idle', minutesLeft: 8 }}
        onKeepRunning={onKeepRunning}
        pending={false}
      />,
    )
    expect(screen.getByRole('status').textContent).toMatch(/Idle: stops in 8 min/)
    fireEvent.click(screen.getByRole('button', { name: 'Keep running' }))
    expect(onKeepRunning).toHaveBeenCalled()
  })

  it('offers no Keep running for a scheduled stop, and says why a stopped pod stopped (in Spanish too)', () => {
    renderView(
      <IdleBannerView
        pod={mockPod()}
        upcoming={{ at: '2026-01-01T11:08:00.000Z', kind: 'scheduled', minutesLeft: 8 }}
        onKeepRunning={vi.fn()}
        pending={false}
      />,
    )
    expect(screen.queryByRole('button', { name: 'Keep running' })).toBeNull()
    const stopped = mockPod({
      status: 'stopped',
      desiredState: 'stopped',
      idle: idle({ lastAutoStop: 'idle 30 min' }),
    })
    renderView(<IdleBannerView pod={stopped} upcoming={null} onKeepRunning={vi.fn()} pending={false} />, {
      lang: 'es',
    })
    expect(screen.getByText(/Detenido automáticamente: idle 30 min/)).toBeTruthy()
  })

  it('names the last activity and its source', () => {
    const pod = mockPod({
      idle: idle({
        lastActivity: { at: '2026-01-01T10:58:00.000Z', source: 'gpu', detail: 'GPU busy 87 %' },
      }),
    })
    renderView(<LastActivity pod={pod} now={NOW} />)
    expect(screen.getByText(/Last activity: GPU busy 87 %, 2 minutes ago/)).toBeTruthy()
  })
})

describe('balance runway and notifications', () => {
  it('warns when the balance covers less than the admin threshold', () => {
    const me = { ...mockUser(), balance: 1 }
    renderView(
      <PodsPageView
        me={me}
        pods={[mockPod({ costPerHour: 2 })]}
        error={null}
        onRetry={vi.fn()}
        runwayWarningMinutes={60}
      />,
    )
    expect(screen.getByText(/Your balance covers about 30 min/)).toBeTruthy()
  })

  it('lists notifications newest first, each linking to its pod', () => {
    renderView(
      <NotificationsView
        notifications={[
          {
            id: 2,
            kind: 'autoStopped',
            podId: 'a1b2c3d4e5f60718',
            message: '"nb" was stopped automatically: idle 30 min',
            createdAt: '2026-01-01T11:00:00.000Z',
          },
          {
            id: 1,
            kind: 'idleWarning',
            podId: 'a1b2c3d4e5f60718',
            message: '"nb" is idle and stops in 10 min',
            createdAt: '2026-01-01T10:50:00.000Z',
          },
        ]}
        error={null}
        onRetry={vi.fn()}
      />,
    )
    const items = screen.getAllByRole('listitem')
    expect(items[0]!.textContent).toContain('Stopped automatically')
    expect(items[1]!.textContent).toContain('Idle warning')
    expect(screen.getAllByRole('link', { name: 'Open the pod' })).toHaveLength(2)
    renderView(<NotificationsView notifications={[]} error={null} onRetry={vi.fn()} />)
    expect(screen.getByText('No notifications')).toBeTruthy()
  })
})

describe('PodAutoStopView', () => {
  it('edits the policy of a pod and shows the server’s problems beside their fields', () => {
    const onChange = vi.fn()
    const onSave = vi.fn()
    const pod = mockPod({
      idle: idle({ timeoutMinutes: 30, nextStop: { at: '2026-01-01T11:30:00.000Z', kind: 'idle' } }),
    })
    const values = autoStopValues(pod)
    expect(values).toEqual({ idleTimeout: '30', maxRuntime: '', stopAt: '' })
    expect(autoStopBody({ idleTimeout: '', maxRuntime: '90', stopAt: '' })).toEqual({
      idleTimeoutMinutes: null,
      maxRuntimeMinutes: 90,
      stopAt: null,
    })
    renderView(
      <PodAutoStopView
        pod={pod}
        allowNever={false}
        maxTimeoutMinutes={120}
        values={values}
        onChange={onChange}
        onSave={onSave}
        saving={false}
        errors={{ idleTimeoutMinutes: ['An idle timeout is required'] }}
      />,
    )
    expect(screen.getByText(/Next automatic stop: .* \(idle\)/)).toBeTruthy()
    fireEvent.change(screen.getByLabelText('Idle timeout (minutes)'), { target: { value: '45' } })
    expect(onChange).toHaveBeenLastCalledWith({ ...values, idleTimeout: '45' })
    expect(screen.getByText('An idle timeout is required')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(onSave).toHaveBeenCalled()
  })
})
