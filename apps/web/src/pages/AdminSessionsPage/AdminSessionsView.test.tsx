import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { Page, ShellSession } from '../../api/types'
import { renderView } from '../../test-helpers/render'
import { loadedOf } from '../../test-helpers/view-state'
import { AdminSessionsView, type AdminSessionsViewProps } from './AdminSessionsView'

const now = Date.parse('2026-01-02T12:00:00.000Z')
const open: ShellSession = {
  id: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-0000000000aa',
  userEmail: 'alice@example.com',
  podId: 'a1b2c3d4e5f60718',
  podName: 'notebook',
  kind: 'ssh',
  detail: 'forward to port 8888',
  remoteAddress: '203.0.113.7',
  startedAt: '2026-01-02T11:58:00.000Z',
  endedAt: null,
  durationSeconds: null,
}
const closed: ShellSession = {
  ...open,
  id: '00000000-0000-4000-8000-000000000002',
  userEmail: 'bob@example.com',
  podName: null,
  kind: 'terminal',
  detail: 'shell',
  remoteAddress: null,
  startedAt: '2026-01-02T09:00:00.000Z',
  endedAt: '2026-01-02T10:30:00.000Z',
  durationSeconds: 5400,
}
const page = (data: ShellSession[]): Page<ShellSession> => ({
  count: data.length,
  total: data.length,
  page: 1,
  limit: 50,
  data,
})

function props(overrides: Partial<AdminSessionsViewProps> = {}): AdminSessionsViewProps {
  return {
    sessions: loadedOf(page([open, closed])),
    openOnly: false,
    onOpenOnly: vi.fn(),
    onPage: vi.fn(),
    now,
    ...overrides,
  }
}

describe('AdminSessionsView', () => {
  it('shows who, which pod, what, from where, when, how long and whether it is still open', () => {
    renderView(<AdminSessionsView {...props()} />)
    const table = screen.getByRole('region', { name: 'Shell sessions' })
    const [, first, second] = within(table).getAllByRole('row')
    expect(within(first!).getByText('alice@example.com')).toBeTruthy()
    expect(within(first!).getByRole('link', { name: 'notebook' }).getAttribute('href')).toBe(
      '/pods/a1b2c3d4e5f60718',
    )
    expect(first!.textContent).toContain('SSH · forward to port 8888')
    expect(within(first!).getByText('203.0.113.7')).toBeTruthy()
    expect(within(first!).getByText('2 min')).toBeTruthy()
    expect(within(first!).getByText('Open')).toBeTruthy()
    expect(within(second!).getByText('bob@example.com')).toBeTruthy()
    expect(within(second!).getByRole('link', { name: open.podId })).toBeTruthy()
    expect(second!.textContent).toContain('Web terminal · shell')
    expect(within(second!).getByText('1 h 30 min')).toBeTruthy()
    expect(within(second!).getByText('Closed')).toBeTruthy()
  })

  it('filters to open sessions and says when none is open', () => {
    const onOpenOnly = vi.fn()
    const { unmount } = renderView(<AdminSessionsView {...props({ onOpenOnly })} />)
    fireEvent.click(screen.getByLabelText('Open sessions only'))
    expect(onOpenOnly).toHaveBeenCalledWith(true)
    unmount()
    renderView(<AdminSessionsView {...props({ openOnly: true, sessions: loadedOf(page([])) })} />)
    expect((screen.getByLabelText('Open sessions only') as HTMLInputElement).checked).toBe(true)
    expect(screen.getByText('No session is open right now.')).toBeTruthy()
  })

  it('speaks Spanish', () => {
    renderView(<AdminSessionsView {...props()} />, { lang: 'es' })
    expect(screen.getByRole('heading', { name: 'Sesiones de shell' })).toBeTruthy()
    expect(screen.getByText('Abierta')).toBeTruthy()
    expect(screen.getByLabelText('Solo sesiones abiertas')).toBeTruthy()
  })
})
