import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { mockPod } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { PodCardView, type PodCardViewProps } from './PodCard'

function props(overrides: Partial<PodCardViewProps> = {}): PodCardViewProps {
  return {
    pod: mockPod(),
    showOwner: false,
    stats: undefined,
    events: undefined,
    now: new Date('2026-01-01T11:02:05.000Z').getTime(),
    pending: null,
    onConnect: vi.fn(),
    onLogs: vi.fn(),
    onStart: vi.fn(),
    onStop: vi.fn(),
    onDelete: vi.fn(),
    ...overrides,
  }
}

describe('PodCardView', () => {
  it('shows a running pod: status, uptime, honest usage, cost, and the actions that apply', () => {
    const p = props()
    renderView(<PodCardView {...p} />)
    const card = screen.getByRole('article', { name: 'notebook' })
    expect(within(card).getByText('Running')).toBeTruthy()
    expect(within(card).getByText('1 h 02 min')).toBeTruthy()
    expect(within(card).getByText('Not available: Simulated runtime: no container runs')).toBeTruthy()
    expect(within(card).getByText('€5.00')).toBeTruthy()
    expect(within(card).getByText('€1.25')).toBeTruthy()
    expect(within(card).queryByRole('button', { name: 'Start' })).toBeNull()
    fireEvent.click(within(card).getByRole('button', { name: 'Stop' }))
    expect(p.onStop).toHaveBeenCalled()
    fireEvent.click(within(card).getByRole('button', { name: 'Connect' }))
    expect(p.onConnect).toHaveBeenCalled()
  })

  it('shows live usage when the runtime measures it', () => {
    const stats = {
      ...mockPod().stats,
      available: true,
      reason: null,
      cpuUsage: 42.5,
      memoryUsage: 50,
      memoryUsedBytes: 2 * 1024 ** 3,
      memoryLimitBytes: 4 * 1024 ** 3,
      gpuUsage: 97,
    }
    renderView(<PodCardView {...props({ stats })} />)
    expect(screen.getByText('42.5 %')).toBeTruthy()
    expect(screen.getByText('2 GB / 4 GB')).toBeTruthy()
    expect(screen.getByText('97 %')).toBeTruthy()
  })

  it('shows the creation progress from the lifecycle events', () => {
    const events = [
      {
        id: 1,
        podId: 'a1b2c3d4e5f60718',
        at: '2026-01-01T10:00:00.000Z',
        type: 'normal' as const,
        reason: 'Scheduled',
        message: 'Pod accepted',
        progress: 10,
      },
      {
        id: 2,
        podId: 'a1b2c3d4e5f60718',
        at: '2026-01-01T10:00:01.000Z',
        type: 'normal' as const,
        reason: 'Pulling',
        message: 'Pulling image',
        progress: 40,
      },
    ]
    renderView(<PodCardView {...props({ pod: mockPod({ status: 'creating', startedAt: null }), events })} />)
    expect(screen.getByRole('progressbar', { name: 'Creation progress' }).getAttribute('aria-valuenow')).toBe(
      '40',
    )
    expect(screen.getByText('Pulling image')).toBeTruthy()
    expect(screen.getByText('Starting')).toBeTruthy()
  })

  it('explains an error and offers a restart; a request in flight blocks its button', () => {
    const pod = mockPod({ status: 'error', statusReason: 'Image not found: nope:latest', startedAt: null })
    renderView(<PodCardView {...props({ pod, pending: 'start', showOwner: true })} />)
    expect(screen.getByText('Image not found: nope:latest')).toBeTruthy()
    expect(screen.getByText('Owner: alice@example.com')).toBeTruthy()
    const start = screen.getByRole('button', { name: 'Start' }) as HTMLButtonElement
    expect(start.disabled).toBe(true)
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull()
  })

  it('offers nothing but Connect and Logs while the pod is being deleted', () => {
    renderView(<PodCardView {...props({ pod: mockPod({ status: 'deleting', desiredState: 'deleted' }) })} />)
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Start' })).toBeNull()
  })
})
