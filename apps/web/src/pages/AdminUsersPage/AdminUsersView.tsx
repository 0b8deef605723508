import { useState } from 'react'
import { Link } from 'react-router'
import type { Page, Role, User, UsersFilter } from '../../api/types'
import type { Loaded } from '../../api/view-state'
import { Button } from '../../components/Button'
import { Badge, LoadState } from '../../components/Feedback'
import { Pagination } from '../../components/Pagination'
import { useT } from '../../i18n'
import { date, money } from '../../lib/format'

/** What an admin can do to a user; the page confirms it in a dialog. */
export type UserAction = { kind: 'balance' | 'suspend' | 'unsuspend' | 'role' | 'delete'; user: User }

export function UsersTable({
  users,
  me,
  onAction,
}: {
  users: User[]
  me: User
  onAction: (a: UserAction) => void
}) {
  const { t, locale } = useT()
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>{t('users.user')}</th>
            <th>{t('users.state')}</th>
            <th className="num">{t('users.pods')}</th>
            <th className="num">{t('account.balance')}</th>
            <th className="hide-sm">{t('users.registered')}</th>
            <th>
              <span className="sr-only">{t('users.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const self = u.id === me.id
            return (
              <tr key={u.id} data-user={u.email}>
                <td>
                  <div>
                    <strong>{u.name}</strong>{' '}
                    {u.role === 'admin' && <Badge tone="primary">{t('role.admin')}</Badge>}
                  </div>
                  <div className="small muted">{u.email}</div>
                </td>
                <td>
                  {u.suspended ? (
                    <Badge tone="bad">{t('users.suspended')}</Badge>
                  ) : (
                    <Badge tone={u.status === 'online' ? 'ok' : 'neutral'} dot>
                      {t(`users.${u.status}`)}
                    </Badge>
                  )}
                </td>
                <td className="num">
                  <Link
                    to={`/admin/pods?user=${encodeURIComponent(u.email)}`}
                    aria-label={t('users.podsOf', { email: u.email })}
                  >
                    {u.activePods}/{u.totalPods}
                  </Link>
                </td>
                <td className="num">{money(u.balance, locale)}</td>
                <td className="hide-sm small">{date(u.createdAt, locale)}</td>
                <td>
                  <div className="row" style={{ justifyContent: 'flex-end', flexWrap: 'wrap' }}>
                    {u.role === 'client' && (
                      <Button
                        size="sm"
                        onClick={() => onAction({ kind: 'balance', user: u })}
                        aria-label={t('users.balanceOf', { email: u.email })}
                      >
                        {t('users.balance')}
                      </Button>
                    )}
                    {!self && u.role === 'client' && (
                      <Button
                        size="sm"
                        onClick={() => onAction({ kind: u.suspended ? 'unsuspend' : 'suspend', user: u })}
                        aria-label={`${u.suspended ? t('users.unsuspend') : t('users.suspend')} ${u.email}`}
                      >
                        {u.suspended ? t('users.unsuspend') : t('users.suspend')}
                      </Button>
                    )}
                    {!self && (
                      <Button
                        size="sm"
                        onClick={() => onAction({ kind: 'role', user: u })}
                        aria-label={`${u.role === 'admin' ? t('users.demote') : t('users.promote')} ${u.email}`}
                      >
                        {u.role === 'admin' ? t('users.demote') : t('users.promote')}
                      </Button>
                    )}
                    {!self && u.role === 'client' && (
                      <Button
                        size="sm"
                        variant="danger"
                        onClick={() => onAction({ kind: 'delete', user: u })}
                        aria-label={`${t('users.delete')} ${u.email}`}
                      >
                        {t('users.delete')}
                      </Button>
                    )}
                  </div>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

export interface AdminUsersViewProps {
  me: User
  filter: UsersFilter
  onFilter: (filter: UsersFilter) => void
  users: Loaded<Page<User>>
  onAction: (action: UserAction) => void
}

export function AdminUsersView({ me, filter, onFilter, users, onAction }: AdminUsersViewProps) {
  const { t } = useT()
  const [search, setSearch] = useState(filter.search ?? '')
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('users.title')}</h1>
          <p>{t('users.subtitle', { total: users.data?.total ?? 0 })}</p>
        </div>
      </div>
      <form
        className="row"
        style={{ marginBottom: '1rem' }}
        onSubmit={(e) => {
          e.preventDefault()
          onFilter({ ...filter, page: 1, search: search.trim() || undefined })
        }}
      >
        <input
          className="input"
          style={{ flex: '1 1 16rem' }}
          type="search"
          aria-label={t('users.search')}
          placeholder={t('users.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select
          className="input"
          style={{ width: 'auto' }}
          aria-label={t('users.role')}
          value={filter.role ?? ''}
          onChange={(e) =>
            onFilter({ ...filter, page: 1, role: (e.target.value || undefined) as Role | undefined })
          }
        >
          <option value="">{t('users.allRoles')}</option>
          <option value="client">{t('role.client')}</option>
          <option value="admin">{t('role.admin')}</option>
        </select>
        <Button type="submit" variant="primary">
          {t('common.search')}
        </Button>
      </form>
      <LoadState {...users} empty={{ when: (page) => page.data.length === 0, title: t('users.none') }}>
        {(page) => (
          <div className="stack">
            <UsersTable users={page.data} me={me} onAction={onAction} />
            <Pagination
              page={page.page}
              limit={page.limit}
              total={page.total}
              onPage={(n) => onFilter({ ...filter, page: n })}
            />
          </div>
        )}
      </LoadState>
    </>
  )
}
