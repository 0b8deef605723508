import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api } from '../../api/api'
import { errorMessage } from '../../api/errors'
import { billingKeys } from '../../api/queries/billing'
import { podKeys } from '../../api/queries/pods'
import { userKeys } from '../../api/queries/users'
import type { Role, User } from '../../api/types'
import { Button } from '../../components/Button'
import { ConfirmDialog, Dialog } from '../../components/Dialog'
import { Field } from '../../components/Field'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { money } from '../../lib/format'
import type { UserAction } from './AdminUsersView'

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

/** The confirmation of an admin action on a user, and the call once confirmed. */
export function UserActionDialog({ action, onClose }: { action: UserAction; onClose: () => void }) {
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
