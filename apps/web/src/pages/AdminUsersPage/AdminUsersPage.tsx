import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api } from '../../api/api'
import { errorMessage } from '../../api/errors'
import { billingKeys } from '../../api/queries/billing'
import { podKeys } from '../../api/queries/pods'
import { userKeys, usersQuery } from '../../api/queries/users'
import type { Role, User, UsersFilter } from '../../api/types'
import { Button } from '../../components/Button'
import { ConfirmDialog, Dialog } from '../../components/Dialog'
import { Badge, LoadError, Loading } from '../../components/Feedback'
import { Field } from '../../components/Field'
import { Pagination } from '../../components/Pagination'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { date, money } from '../../lib/format'

type Action = { kind: 'balance' | 'suspend' | 'unsuspend' | 'role' | 'delete'; user: User }

export function UsersTable({
  users,
  me,
  onAction,
}: {
  users: User[]
  me: User
  onAction: (a: Action) => void
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

function BalanceDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { t, locale } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const [mode, setMode] = useState<'credit' | 'set'>('credit')
  const [amount, setAmount] = useState('')
  const [reason, setReason] = useState('')
  const value = Number(amount.replace(',', '.'))
  const valid = amount.trim() !== '' && Number.isFinite(value) && reason.trim().length > 0
  const mutation = useMutation({
    mutationFn: () =>
      mode === 'credit'
        ? api.users.credit(user.id, value, reason.trim())
        : api.users.setBalance(user.id, value, reason.trim()),
    onSuccess: (result) => {
      void client.invalidateQueries({ queryKey: userKeys.all })
      void client.invalidateQueries({ queryKey: billingKeys.all })
      toast.show({
        tone: 'ok',
        title: t('users.balanceDone', { email: user.email, balance: money(result.data.balance, locale) }),
      })
      onClose()
    },
  })
  return (
    <Dialog
      open
      onClose={onClose}
      title={t('users.balanceTitle', { email: user.email })}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            variant="primary"
            disabled={!valid}
            loading={mutation.isPending}
            onClick={() => mutation.mutate()}
          >
            {mode === 'credit' ? t('users.applyCredit') : t('users.applySet')}
          </Button>
        </>
      }
    >
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault()
          if (valid) mutation.mutate()
        }}
      >
        <p>{t('users.currentBalance', { balance: money(user.balance, locale) })}</p>
        <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend className="sr-only">{t('users.balanceMode')}</legend>
          <label className="checkbox">
            <input type="radio" name="mode" checked={mode === 'credit'} onChange={() => setMode('credit')} />
            {t('users.modeCredit')}
          </label>
          <label className="checkbox">
            <input type="radio" name="mode" checked={mode === 'set'} onChange={() => setMode('set')} />
            {t('users.modeSet')}
          </label>
        </fieldset>
        <Field
          label={mode === 'credit' ? t('users.amount') : t('users.newBalance')}
          hint={mode === 'credit' ? t('users.amountHint') : undefined}
        >
          <input
            className="input"
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            placeholder="10.00"
          />
        </Field>
        <Field label={t('users.reason')} hint={t('users.reasonHint')}>
          <input
            className="input"
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
          />
        </Field>
        {mutation.error && (
          <div className="alert alert-bad">{errorMessage(mutation.error, t('common.unexpectedError'))}</div>
        )}
        <button type="submit" hidden />
      </form>
    </Dialog>
  )
}

function ActionDialogs({ action, onClose }: { action: Action; onClose: () => void }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const [reason, setReason] = useState('')
  const { user } = action
  const done = (message: string) => {
    void client.invalidateQueries({ queryKey: userKeys.all })
    void client.invalidateQueries({ queryKey: podKeys.all })
    toast.show({ tone: 'ok', title: message })
    onClose()
  }
  const mutation = useMutation({
    mutationFn: async (): Promise<string> => {
      switch (action.kind) {
        case 'suspend': {
          const r = await api.users.suspend(user.id, reason.trim() || undefined)
          return t('users.suspendDone', {
            email: user.email,
            pods: r.podsStopped,
            sessions: r.sessionsRevoked,
          })
        }
        case 'unsuspend':
          await api.users.unsuspend(user.id)
          return t('users.unsuspendDone', { email: user.email })
        case 'role': {
          const role: Role = user.role === 'admin' ? 'client' : 'admin'
          await api.users.setRole(user.id, role)
          return t('users.roleDone', { email: user.email, role: t(`role.${role}`) })
        }
        case 'delete': {
          const r = await api.users.remove(user.id)
          return t('users.deleteDone', { email: user.email, pods: r.podsDeleted })
        }
        default:
          return ''
      }
    },
    onSuccess: done,
  })
  const error = mutation.error ? errorMessage(mutation.error, t('common.unexpectedError')) : null
  const common = {
    open: true,
    pending: mutation.isPending,
    error,
    onCancel: onClose,
    onConfirm: () => mutation.mutate(),
  }
  switch (action.kind) {
    case 'balance':
      return <BalanceDialog user={user} onClose={onClose} />
    case 'suspend':
      return (
        <ConfirmDialog
          {...common}
          danger
          title={t('users.suspendTitle', { email: user.email })}
          confirmLabel={t('users.suspend')}
        >
          <p>{t('users.suspendBody', { active: user.activePods })}</p>
          <Field label={t('users.reason')} hint={t('users.suspendReasonHint')}>
            <input
              className="input"
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.target.value)}
            />
          </Field>
        </ConfirmDialog>
      )
    case 'unsuspend':
      return (
        <ConfirmDialog
          {...common}
          title={t('users.unsuspendTitle', { email: user.email })}
          confirmLabel={t('users.unsuspend')}
        >
          <p>{t('users.unsuspendBody')}</p>
          {user.suspendedReason && (
            <p className="small muted">{t('users.suspendedFor', { reason: user.suspendedReason })}</p>
          )}
        </ConfirmDialog>
      )
    case 'role':
      return (
        <ConfirmDialog
          {...common}
          danger={user.role === 'admin'}
          title={
            user.role === 'admin'
              ? t('users.demoteTitle', { email: user.email })
              : t('users.promoteTitle', { email: user.email })
          }
          confirmLabel={user.role === 'admin' ? t('users.demote') : t('users.promote')}
        >
          <p>{user.role === 'admin' ? t('users.demoteBody') : t('users.promoteBody')}</p>
        </ConfirmDialog>
      )
    case 'delete':
      return (
        <ConfirmDialog
          {...common}
          danger
          title={t('users.deleteTitle', { email: user.email })}
          confirmLabel={t('users.deleteConfirm')}
        >
          <p>{t('users.deleteIntro')}</p>
          <ul>
            <li>{t('users.deletePods', { total: user.totalPods, active: user.activePods })}</li>
            <li>{t('users.deleteSessions')}</li>
            <li>
              {t('users.deleteBalance', {
                balance: typeof user.balance === 'number' ? user.balance.toFixed(2) : '∞',
              })}
            </li>
          </ul>
          <p>
            <strong>{t('users.deleteIrreversible')}</strong>
          </p>
        </ConfirmDialog>
      )
    default:
      return null
  }
}

export default function AdminUsersPage({ me }: { me: User }) {
  const { t } = useT()
  const [filter, setFilter] = useState<UsersFilter>({ page: 1, limit: 20 })
  const [search, setSearch] = useState('')
  const [action, setAction] = useState<Action | null>(null)
  const query = useQuery(usersQuery(filter))
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('users.title')}</h1>
          <p>{t('users.subtitle', { total: query.data?.total ?? 0 })}</p>
        </div>
      </div>
      <form
        className="row"
        style={{ marginBottom: '1rem' }}
        onSubmit={(e) => {
          e.preventDefault()
          setFilter({ ...filter, page: 1, search: search.trim() || undefined })
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
            setFilter({ ...filter, page: 1, role: (e.target.value || undefined) as Role | undefined })
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
      {query.error ? (
        <LoadError
          message={errorMessage(query.error, t('common.loadFailed'))}
          onRetry={() => void query.refetch()}
        />
      ) : !query.data ? (
        <Loading />
      ) : query.data.data.length === 0 ? (
        <p className="empty card">{t('users.none')}</p>
      ) : (
        <div className="stack">
          <UsersTable users={query.data.data} me={me} onAction={setAction} />
          <Pagination
            page={query.data.page}
            limit={query.data.limit}
            total={query.data.total}
            onPage={(page) => setFilter({ ...filter, page })}
          />
        </div>
      )}
      {action && (
        <ActionDialogs
          key={`${action.kind}-${action.user.id}`}
          action={action}
          onClose={() => setAction(null)}
        />
      )}
    </>
  )
}
