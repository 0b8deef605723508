import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { Page, User } from '../../api/types'
import { mockUser } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { loadedOf } from '../../test-helpers/view-state'
import { AdminUsersView, type AdminUsersViewProps, UsersTable } from './AdminUsersView'

const page = (data: User[], total = data.length): Page<User> => ({
  count: data.length,
  total,
  page: 1,
  limit: 20,
  data,
})

function props(overrides: Partial<AdminUsersViewProps> = {}): AdminUsersViewProps {
  return {
    me: mockUser({ id: '00000000-0000-4000-8000-0000000000aa', email: 'admin@example.com', role: 'admin' }),
    filter: { page: 1, limit: 20 },
    onFilter: vi.fn(),
    users: loadedOf(page([mockUser()])),
    onAction: vi.fn(),
    ...overrides,
  }
}

describe('UsersTable', () => {
  it('never offers to suspend, demote or delete yourself; balances only for clients', () => {
    const me = mockUser({
      id: '00000000-0000-4000-8000-0000000000aa',
      email: 'admin@example.com',
      role: 'admin',
      balance: 'Infinity',
      unlimited: true,
    })
    const onAction = vi.fn()
    renderView(<UsersTable users={[me, mockUser()]} me={me} onAction={onAction} />)
    const mine = screen.getByText('admin@example.com').closest('tr')!
    expect(within(mine).queryAllByRole('button')).toHaveLength(0)
    const alice = screen.getByText('alice@example.com').closest('tr')!
    fireEvent.click(within(alice).getByRole('button', { name: 'Delete alice@example.com' }))
    expect(onAction).toHaveBeenCalledWith({
      kind: 'delete',
      user: expect.objectContaining({ email: 'alice@example.com' }),
    })
    expect(within(alice).getByRole('link', { name: 'Pods of alice@example.com' }).textContent).toBe('1/2')
  })
})

describe('AdminUsersView', () => {
  it('searches and filters from the first page, and pages through the result', () => {
    const p = props({
      filter: { page: 2, limit: 20 },
      users: loadedOf({ ...page([mockUser()], 45), page: 2 }),
    })
    renderView(<AdminUsersView {...p} />)
    expect(screen.getByText('45 users')).toBeTruthy()
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search by name or e-mail' }), {
      target: { value: ' ali ' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(p.onFilter).toHaveBeenCalledWith({ page: 1, limit: 20, search: 'ali' })
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'admin' } })
    expect(p.onFilter).toHaveBeenCalledWith({ page: 1, limit: 20, role: 'admin' })
    fireEvent.click(screen.getByRole('button', { name: 'Next' }))
    expect(p.onFilter).toHaveBeenCalledWith({ page: 3, limit: 20 })
  })

  it('says when nobody matches, and why a load failed', () => {
    const { unmount } = renderView(<AdminUsersView {...props({ users: loadedOf(page([])) })} />)
    expect(screen.getByRole('heading', { name: 'No user matches.' })).toBeTruthy()
    unmount()
    const users = loadedOf<Page<User>>(undefined, 'Forbidden')
    renderView(<AdminUsersView {...props({ users })} />)
    expect(screen.getByRole('alert').textContent).toContain('Forbidden')
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    expect(users.onRetry).toHaveBeenCalled()
  })
})
