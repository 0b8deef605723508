import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api } from '../../api/api'
import { errorMessage, fieldErrors } from '../../api/errors'
import { apiKeysQuery, authKeys } from '../../api/queries/auth'
import { billingSummaryQuery, ledgerQuery, usageQuery } from '../../api/queries/billing'
import type { ApiKeyInfo, LedgerFilter, NewApiKey, User } from '../../api/types'
import { BarChart } from '../../components/BarChart'
import { Button } from '../../components/Button'
import { CopyButton } from '../../components/CopyButton'
import { ConfirmDialog } from '../../components/Dialog'
import { Alert, Badge, LoadError, Loading } from '../../components/Feedback'
import { Field } from '../../components/Field'
import { Pagination } from '../../components/Pagination'
import { RangePicker } from '../../components/RangePicker'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { dateTime, duration, money, signedMoney, utcDay } from '../../lib/format'

function lastDays(n: number): string[] {
  const days: string[] = []
  const now = Date.now()
  for (let i = n - 1; i >= 0; i--) days.push(utcDay(new Date(now - i * 86_400_000)))
  return days
}

function BalanceSection({ me }: { me: User }) {
  const { t, locale } = useT()
  const summary = useQuery(billingSummaryQuery())
  const s = summary.data
  return (
    <section className="grid" aria-label={t('account.balance')}>
      <div className="card kpi">
        <span className="kpi-label">{t('account.balance')}</span>
        <span className="kpi-value" data-testid="account-balance">
          {money(me.balance, locale)}
        </span>
        {me.unlimited && <span className="small muted">{t('account.unlimited')}</span>}
      </div>
      <div className="card kpi">
        <span className="kpi-label">{t('account.burnRate')}</span>
        <span className="kpi-value">
          {s ? `${money(s.burnRatePerHour, locale, { precise: true })}` : '…'}
        </span>
        <span className="small muted">
          {t('common.perHour')} · {t('account.runningPods', { count: s?.runningPods ?? 0 })}
        </span>
      </div>
      <div className="card kpi">
        <span className="kpi-label">{t('account.timeLeft')}</span>
        <span className="kpi-value">
          {s ? (s.unlimited || s.hoursLeft === null ? '∞' : duration(s.hoursLeft * 3600)) : '…'}
        </span>
        <span className="small muted">
          {s && !s.unlimited && s.hoursLeft === null
            ? t('account.nothingAccrues')
            : t('account.atCurrentRate')}
        </span>
      </div>
      <div className="card kpi">
        <span className="kpi-label">{t('account.spent30')}</span>
        <span className="kpi-value">{s ? money(s.spentLast30Days, locale) : '…'}</span>
      </div>
      {summary.error && (
        <LoadError
          message={errorMessage(summary.error, t('common.loadFailed'))}
          onRetry={() => void summary.refetch()}
        />
      )}
    </section>
  )
}

function UsageSection() {
  const { t, locale } = useT()
  const [range, setRange] = useState(30)
  const days = lastDays(range)
  // The previous period stays on screen while the next one loads (no flash, focus kept).
  const usage = useQuery({ ...usageQuery(days[0]), placeholderData: keepPreviousData })
  if (usage.error)
    return (
      <LoadError
        message={errorMessage(usage.error, t('common.loadFailed'))}
        onRetry={() => void usage.refetch()}
      />
    )
  if (!usage.data) return <Loading />
  const byDay = new Map(usage.data.byDay.map((d) => [d.day, d.amount]))
  return (
    <section className="card stack" aria-labelledby="usage-heading">
      <div className="row-between">
        <h2 id="usage-heading">{t('account.usage')}</h2>
        <RangePicker days={range} onDays={setRange} />
      </div>
      <span className="small muted">
        {t('account.usageTotal', { total: money(usage.data.total, locale) })}
      </span>
      <BarChart
        title={t('account.usagePerDay', { days: range })}
        labels={days}
        series={[{ label: t('account.spent'), values: days.map((d) => byDay.get(d) ?? 0) }]}
        format={(v) => money(v, locale)}
      />
      {usage.data.byPod.length === 0 ? (
        <p className="muted">{t('account.noUsage')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('account.pod')}</th>
                <th>GPU</th>
                <th className="num">{t('account.computeTime')}</th>
                <th className="num">{t('account.amount')}</th>
              </tr>
            </thead>
            <tbody>
              {usage.data.byPod.map((p) => (
                <tr key={p.podId}>
                  <td>{p.podName}</td>
                  <td>{p.gpu}</td>
                  <td className="num">{duration(p.computeSeconds)}</td>
                  <td className="num">{money(p.amount, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function LedgerSection() {
  const { t, locale } = useT()
  const [filter, setFilter] = useState<LedgerFilter>({ page: 1, limit: 20 })
  const ledger = useQuery(ledgerQuery(filter))
  return (
    <section className="card stack" aria-labelledby="ledger-heading">
      <div className="row-between">
        <h2 id="ledger-heading">{t('account.ledger')}</h2>
        <label className="row small">
          {t('account.type')}
          <select
            className="input"
            style={{ width: 'auto' }}
            value={filter.type ?? ''}
            onChange={(e) =>
              setFilter({ ...filter, page: 1, type: (e.target.value || undefined) as LedgerFilter['type'] })
            }
          >
            <option value="">{t('common.all')}</option>
            {(['credit', 'usage', 'refund', 'adjustment'] as const).map((type) => (
              <option key={type} value={type}>
                {t(`ledger.${type}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {ledger.error && (
        <LoadError
          message={errorMessage(ledger.error, t('common.loadFailed'))}
          onRetry={() => void ledger.refetch()}
        />
      )}
      {!ledger.data ? (
        !ledger.error && <Loading />
      ) : ledger.data.data.length === 0 ? (
        <p className="muted">{t('account.noLedger')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('account.when')}</th>
                <th>{t('account.type')}</th>
                <th>{t('account.reason')}</th>
                <th className="num">{t('account.amount')}</th>
                <th className="num hide-sm">{t('account.balanceAfter')}</th>
              </tr>
            </thead>
            <tbody>
              {ledger.data.data.map((e) => (
                <tr key={e.id}>
                  <td className="small">{dateTime(e.createdAt, locale)}</td>
                  <td>
                    <Badge tone={e.amount >= 0 ? 'ok' : 'neutral'}>{t(`ledger.${e.type}`)}</Badge>
                  </td>
                  <td className="small">
                    {e.reason}
                    {e.podName ? ` · ${e.podName}` : ''}
                    {e.actorEmail ? ` · ${e.actorEmail}` : ''}
                  </td>
                  <td className="num">{signedMoney(e.amount, locale)}</td>
                  <td className="num hide-sm">{money(e.balanceAfter, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {ledger.data && (
        <Pagination
          page={ledger.data.page}
          limit={ledger.data.limit}
          total={ledger.data.total}
          onPage={(page) => setFilter({ ...filter, page })}
        />
      )}
    </section>
  )
}

function ApiKeysSection() {
  const { t, locale } = useT()
  const client = useQueryClient()
  const keys = useQuery(apiKeysQuery())
  const [name, setName] = useState('')
  const [created, setCreated] = useState<NewApiKey | null>(null)
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null)
  const create = useMutation({
    mutationFn: api.auth.createApiKey,
    onSuccess: (key) => {
      setCreated(key)
      setName('')
      void client.invalidateQueries({ queryKey: authKeys.apiKeys })
    },
  })
  const revoke = useMutation({
    mutationFn: api.auth.revokeApiKey,
    onSuccess: () => {
      setRevoking(null)
      void client.invalidateQueries({ queryKey: authKeys.apiKeys })
    },
  })
  return (
    <section className="card stack" aria-labelledby="keys-heading">
      <h2 id="keys-heading">{t('account.apiKeys')}</h2>
      <p className="small muted">{t('account.apiKeysHint')}</p>
      {created && (
        <Alert tone="ok">
          <div className="stack" style={{ gap: '0.4rem' }}>
            <strong>{t('account.keyCreated', { name: created.name })}</strong>
            <div className="url-row">
              <input
                className="input mono"
                readOnly
                value={created.key}
                aria-label={t('account.newKey')}
                onFocus={(e) => e.currentTarget.select()}
              />
              <CopyButton text={created.key} />
            </div>
            <span className="small">{t('account.keyOnce')}</span>
            <div>
              <Button size="sm" onClick={() => setCreated(null)}>
                {t('account.keySaved')}
              </Button>
            </div>
          </div>
        </Alert>
      )}
      <form
        className="row"
        style={{ alignItems: 'flex-end' }}
        onSubmit={(e) => {
          e.preventDefault()
          if (name.trim()) create.mutate(name.trim())
        }}
      >
        <div style={{ flex: '1 1 14rem' }}>
          <Field
            label={t('account.keyName')}
            errors={create.error ? [errorMessage(create.error, t('common.unexpectedError'))] : undefined}
          >
            <input
              className="input"
              value={name}
              maxLength={60}
              placeholder="laptop-cli"
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
        </div>
        <Button type="submit" variant="primary" loading={create.isPending} disabled={!name.trim()}>
          {t('account.createKey')}
        </Button>
      </form>
      {keys.data && keys.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('account.keyName')}</th>
                <th>{t('account.keyPrefix')}</th>
                <th className="hide-sm">{t('account.keyCreatedAt')}</th>
                <th className="hide-sm">{t('account.keyLastUsed')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td className="mono">{k.prefix}…</td>
                  <td className="hide-sm small">{dateTime(k.createdAt, locale)}</td>
                  <td className="hide-sm small">
                    {k.lastUsedAt ? dateTime(k.lastUsedAt, locale) : t('account.never')}
                  </td>
                  <td className="num">
                    <Button
                      size="sm"
                      variant="danger"
                      onClick={() => setRevoking(k)}
                      aria-label={t('account.revokeKey', { name: k.name })}
                    >
                      {t('account.revoke')}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== null}
        danger
        title={t('account.revokeTitle', { name: revoking?.name ?? '' })}
        confirmLabel={t('account.revoke')}
        pending={revoke.isPending}
        error={revoke.error ? errorMessage(revoke.error, t('common.unexpectedError')) : null}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onCancel={() => setRevoking(null)}
      >
        <p>{t('account.revokeBody')}</p>
      </ConfirmDialog>
    </section>
  )
}

function ProfileSection({ me }: { me: User }) {
  const { t } = useT()
  const client = useQueryClient()
  const toast = useToast()
  const [name, setName] = useState(me.name)
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const profile = useMutation({
    mutationFn: api.auth.updateProfile,
    onSuccess: (user) => {
      client.setQueryData(authKeys.me, user)
      toast.show({ tone: 'ok', title: t('account.profileSaved') })
    },
  })
  const password = useMutation({
    mutationFn: api.auth.changePassword,
    onSuccess: () => {
      setCurrent('')
      setNext('')
      toast.show({ tone: 'ok', title: t('account.passwordChanged') })
    },
  })
  const pwErrors = fieldErrors(password.error)
  const submitPassword = (e: FormEvent) => {
    e.preventDefault()
    password.mutate(me.hasPassword ? { currentPassword: current, newPassword: next } : { newPassword: next })
  }
  return (
    <div className="grid-2">
      <form
        className="card stack"
        aria-labelledby="profile-heading"
        onSubmit={(e) => {
          e.preventDefault()
          profile.mutate({ name: name.trim() })
        }}
      >
        <h2 id="profile-heading">{t('account.profile')}</h2>
        <Field label={t('auth.name')} errors={fieldErrors(profile.error).name}>
          <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('auth.email')} hint={t('account.emailFixed')}>
          <input className="input" value={me.email} readOnly />
        </Field>
        {profile.error && Object.keys(fieldErrors(profile.error)).length === 0 && (
          <Alert tone="bad">{errorMessage(profile.error, t('common.unexpectedError'))}</Alert>
        )}
        <div>
          <Button
            type="submit"
            variant="primary"
            loading={profile.isPending}
            disabled={!name.trim() || name.trim() === me.name}
          >
            {t('common.save')}
          </Button>
        </div>
      </form>
      <form className="card stack" aria-labelledby="password-heading" onSubmit={submitPassword}>
        <h2 id="password-heading">
          {me.hasPassword ? t('account.changePassword') : t('account.setPassword')}
        </h2>
        {me.hasPassword && (
          <Field label={t('account.currentPassword')} errors={pwErrors.currentPassword}>
            <input
              className="input"
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </Field>
        )}
        <Field label={t('account.newPassword')} hint={t('auth.passwordHint')} errors={pwErrors.newPassword}>
          <input
            className="input"
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </Field>
        <p className="small muted">{t('account.passwordOthers')}</p>
        {password.error && Object.keys(pwErrors).length === 0 && (
          <Alert tone="bad">{errorMessage(password.error, t('common.unexpectedError'))}</Alert>
        )}
        <div>
          <Button type="submit" variant="primary" loading={password.isPending} disabled={next.length < 8}>
            {t('account.savePassword')}
          </Button>
        </div>
      </form>
    </div>
  )
}

export function AccountPage({ me }: { me: User }) {
  const { t } = useT()
  return (
    <div className="stack" style={{ gap: '1rem' }}>
      <div className="page-head">
        <div>
          <h1>{t('account.title')}</h1>
          <p>{t('account.subtitle')}</p>
        </div>
      </div>
      <BalanceSection me={me} />
      {!me.unlimited && <UsageSection />}
      {!me.unlimited && <LedgerSection />}
      <ApiKeysSection />
      <ProfileSection me={me} />
    </div>
  )
}
