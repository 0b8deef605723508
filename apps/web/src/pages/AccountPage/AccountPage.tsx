import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api } from '../../api/api'
import { apiKeysQuery, authKeys } from '../../api/queries/auth'
import { billingSummaryQuery, ledgerQuery, usageQuery } from '../../api/queries/billing'
import { sshInfoQuery, sshKeys, sshKeysQuery } from '../../api/queries/ssh'
import type { LedgerFilter, User } from '../../api/types'
import { loaded, viewAction } from '../../api/view-state'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { utcDay } from '../../lib/format'
import { AccountView } from './AccountView'

function lastDays(n: number): string[] {
  const days: string[] = []
  const now = Date.now()
  for (let i = n - 1; i >= 0; i--) days.push(utcDay(new Date(now - i * 86_400_000)))
  return days
}

/** The account: balance and usage (metered accounts only), API keys, profile and password. */
export function AccountPage({ me }: { me: User }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const failed = t('common.loadFailed')
  const unexpected = t('common.unexpectedError')
  const metered = !me.unlimited

  const summary = loaded(useQuery(billingSummaryQuery()), failed)
  const [range, setRange] = useState(30)
  const days = lastDays(range)
  // The previous period stays on screen while the next one loads (no flash, focus kept).
  const usage = useQuery({ ...usageQuery(days[0]), placeholderData: keepPreviousData, enabled: metered })
  const [ledgerFilter, setLedgerFilter] = useState<LedgerFilter>({ page: 1, limit: 20 })
  const ledger = useQuery({ ...ledgerQuery(ledgerFilter), enabled: metered })

  const keys = useQuery(apiKeysQuery())
  const refreshKeys = () => void client.invalidateQueries({ queryKey: authKeys.apiKeys })
  const createKey = useMutation({ mutationFn: api.auth.createApiKey, onSuccess: refreshKeys })
  const revokeKey = useMutation({ mutationFn: api.auth.revokeApiKey, onSuccess: refreshKeys })

  const sshKeyList = useQuery(sshKeysQuery())
  const sshInfo = useQuery(sshInfoQuery())
  const refreshSshKeys = () => void client.invalidateQueries({ queryKey: sshKeys.keys })
  const addSshKey = useMutation({ mutationFn: api.ssh.addKey, onSuccess: refreshSshKeys })
  const deleteSshKey = useMutation({ mutationFn: api.ssh.deleteKey, onSuccess: refreshSshKeys })

  const saveProfile = useMutation({
    mutationFn: api.auth.updateProfile,
    onSuccess: (user) => {
      client.setQueryData(authKeys.me, user)
      toast.show({ tone: 'ok', title: t('account.profileSaved') })
    },
  })
  const changePassword = useMutation({
    mutationFn: api.auth.changePassword,
    onSuccess: () => toast.show({ tone: 'ok', title: t('account.passwordChanged') }),
  })

  return (
    <AccountView
      me={me}
      summary={summary}
      usage={metered ? { days, onDays: setRange, usage: loaded(usage, failed) } : null}
      ledger={
        metered ? { filter: ledgerFilter, onFilter: setLedgerFilter, ledger: loaded(ledger, failed) } : null
      }
      keys={{
        keys: loaded(keys, failed),
        create: viewAction(createKey, unexpected),
        created: createKey.data ?? null,
        onCreatedSaved: () => createKey.reset(),
        revoke: viewAction(revokeKey, unexpected),
      }}
      ssh={{
        keys: loaded(sshKeyList, failed),
        info: loaded(sshInfo, failed),
        add: viewAction(addSshKey, unexpected),
        remove: viewAction(deleteSshKey, unexpected),
      }}
      profile={{
        saveProfile: viewAction(saveProfile, unexpected),
        changePassword: viewAction(changePassword, unexpected),
      }}
    />
  )
}
