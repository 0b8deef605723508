import { type FormEvent, useState } from 'react'
import type {
  ApiKeyInfo,
  BillingSummaryInfo,
  LedgerEntryInfo,
  LedgerFilter,
  NewApiKey,
  Page,
  UsageReport,
  User,
} from '../../api/types'
import type { Loaded, ViewAction } from '../../api/view-state'
import { BarChart } from '../../components/BarChart'
import { Button } from '../../components/Button'
import { CopyButton } from '../../components/CopyButton'
import { ConfirmDialog } from '../../components/Dialog'
import { Alert, Badge, LoadState } from '../../components/Feedback'
import { Field } from '../../components/Field'
import { Pagination } from '../../components/Pagination'
import { RangePicker } from '../../components/RangePicker'
import { useT } from '../../i18n'
import { dateTime, duration, money, signedMoney } from '../../lib/format'
import { SshKeysView, type SshKeysViewProps } from './SshKeysView'

export function BalanceView({ me, summary }: { me: User; summary: Loaded<BillingSummaryInfo> }) {
  const { t, locale } = useT()
  return (
    <section className="grid" aria-label={t('account.balance')}>
      <div className="card kpi">
        <span className="kpi-label">{t('account.balance')}</span>
        <span className="kpi-value" data-testid="account-balance">
          {money(me.balance, locale)}
        </span>
        {me.unlimited && <span className="small muted">{t('account.unlimited')}</span>}
      </div>
      <LoadState {...summary}>
        {(s) => (
          <>
            <div className="card kpi">
              <span className="kpi-label">{t('account.burnRate')}</span>
              <span className="kpi-value">{money(s.burnRatePerHour, locale, { precise: true })}</span>
              <span className="small muted">
                {t('common.perHour')} · {t('account.runningPods', { count: s.runningPods })}
              </span>
            </div>
            <div className="card kpi">
              <span className="kpi-label">{t('account.timeLeft')}</span>
              <span className="kpi-value">
                {s.unlimited || s.hoursLeft === null ? '∞' : duration(s.hoursLeft * 3600)}
              </span>
              <span className="small muted">
                {!s.unlimited && s.hoursLeft === null
                  ? t('account.nothingAccrues')
                  : t('account.atCurrentRate')}
              </span>
            </div>
            <div className="card kpi">
              <span className="kpi-label">{t('account.spent30')}</span>
              <span className="kpi-value">{money(s.spentLast30Days, locale)}</span>
            </div>
          </>
        )}
      </LoadState>
    </section>
  )
}

export interface UsageViewProps {
  /** The UTC days of the chosen period, oldest first */
  days: string[]
  onDays: (count: number) => void
  usage: Loaded<UsageReport>
}

export function UsageView({ days, onDays, usage }: UsageViewProps) {
  const { t, locale } = useT()
  return (
    <section className="card stack" aria-labelledby="usage-heading">
      <div className="row-between">
        <h2 id="usage-heading">{t('account.usage')}</h2>
        <RangePicker days={days.length} onDays={onDays} />
      </div>
      <LoadState {...usage} compact>
        {(report) => {
          const byDay = new Map(report.byDay.map((d) => [d.day, d.amount]))
          return (
            <>
              <span className="small muted">
                {t('account.usageTotal', { total: money(report.total, locale) })}
              </span>
              <BarChart
                title={t('account.usagePerDay', { days: days.length })}
                labels={days}
                series={[{ label: t('account.spent'), values: days.map((d) => byDay.get(d) ?? 0) }]}
                format={(v) => money(v, locale)}
              />
              <LoadState
                compact
                data={report.byPod}
                error={null}
                empty={{ when: (pods) => pods.length === 0, title: t('account.noUsage') }}
              >
                {(pods) => (
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
                        {pods.map((p) => (
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
              </LoadState>
            </>
          )
        }}
      </LoadState>
    </section>
  )
}

export interface LedgerViewProps {
  filter: LedgerFilter
  onFilter: (filter: LedgerFilter) => void
  ledger: Loaded<Page<LedgerEntryInfo>>
}

export function LedgerView({ filter, onFilter, ledger }: LedgerViewProps) {
  const { t, locale } = useT()
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
              onFilter({ ...filter, page: 1, type: (e.target.value || undefined) as LedgerFilter['type'] })
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
      <LoadState
        {...ledger}
        compact
        empty={{ when: (page) => page.data.length === 0, title: t('account.noLedger') }}
      >
        {(page) => (
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
                {page.data.map((e) => (
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
      </LoadState>
      {ledger.data && (
        <Pagination
          page={ledger.data.page}
          limit={ledger.data.limit}
          total={ledger.data.total}
          onPage={(page) => onFilter({ ...filter, page })}
        />
      )}
    </section>
  )
}

export interface ApiKeysViewProps {
  keys: Loaded<ApiKeyInfo[]>
  create: ViewAction<string>
  /** The key just created, shown once until the user says it is saved */
  created: NewApiKey | null
  onCreatedSaved: () => void
  revoke: ViewAction<string>
}

export function ApiKeysView({ keys, create, created, onCreatedSaved, revoke }: ApiKeysViewProps) {
  const { t, locale } = useT()
  const [name, setName] = useState('')
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (name.trim()) void create.run(name.trim()).then((ok) => ok && setName(''))
  }
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
              <Button size="sm" onClick={onCreatedSaved}>
                {t('account.keySaved')}
              </Button>
            </div>
          </div>
        </Alert>
      )}
      <form className="row" style={{ alignItems: 'flex-end' }} onSubmit={submit}>
        <div style={{ flex: '1 1 14rem' }}>
          <Field label={t('account.keyName')} errors={create.error ? [create.error] : undefined}>
            <input
              className="input"
              value={name}
              maxLength={60}
              placeholder="laptop-cli"
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
        </div>
        <Button type="submit" variant="primary" loading={create.pending} disabled={!name.trim()}>
          {t('account.createKey')}
        </Button>
      </form>
      <LoadState {...keys} compact empty={{ when: (list) => list.length === 0, title: t('account.noKeys') }}>
        {(list) => (
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
                {list.map((k) => (
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
                        onClick={() => {
                          revoke.reset()
                          setRevoking(k)
                        }}
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
      </LoadState>
      <ConfirmDialog
        open={revoking !== null}
        danger
        title={t('account.revokeTitle', { name: revoking?.name ?? '' })}
        confirmLabel={t('account.revoke')}
        pending={revoke.pending}
        error={revoke.error}
        onConfirm={() => revoking && void revoke.run(revoking.id).then((ok) => ok && setRevoking(null))}
        onCancel={() => setRevoking(null)}
      >
        <p>{t('account.revokeBody')}</p>
      </ConfirmDialog>
    </section>
  )
}

export interface PasswordChange {
  currentPassword?: string
  newPassword: string
}

export interface ProfileViewProps {
  me: User
  saveProfile: ViewAction<{ name: string }>
  changePassword: ViewAction<PasswordChange>
}

export function ProfileView({ me, saveProfile, changePassword }: ProfileViewProps) {
  const { t } = useT()
  const [name, setName] = useState(me.name)
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const pwErrors = changePassword.fieldErrors
  const submitPassword = (e: FormEvent) => {
    e.preventDefault()
    const body = me.hasPassword ? { currentPassword: current, newPassword: next } : { newPassword: next }
    void changePassword.run(body).then((ok) => {
      if (!ok) return
      setCurrent('')
      setNext('')
    })
  }
  return (
    <div className="grid-2">
      <form
        className="card stack"
        aria-labelledby="profile-heading"
        onSubmit={(e) => {
          e.preventDefault()
          void saveProfile.run({ name: name.trim() })
        }}
      >
        <h2 id="profile-heading">{t('account.profile')}</h2>
        <Field label={t('auth.name')} errors={saveProfile.fieldErrors.name}>
          <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('auth.email')} hint={t('account.emailFixed')}>
          <input className="input" value={me.email} readOnly />
        </Field>
        {saveProfile.error && Object.keys(saveProfile.fieldErrors).length === 0 && (
          <Alert tone="bad">{saveProfile.error}</Alert>
        )}
        <div>
          <Button
            type="submit"
            variant="primary"
            loading={saveProfile.pending}
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
        {changePassword.error && Object.keys(pwErrors).length === 0 && (
          <Alert tone="bad">{changePassword.error}</Alert>
        )}
        <div>
          <Button type="submit" variant="primary" loading={changePassword.pending} disabled={next.length < 8}>
            {t('account.savePassword')}
          </Button>
        </div>
      </form>
    </div>
  )
}

export interface AccountViewProps {
  me: User
  summary: Loaded<BillingSummaryInfo>
  /** Usage and the ledger are about money: not shown to accounts that are not metered */
  usage: UsageViewProps | null
  ledger: LedgerViewProps | null
  keys: ApiKeysViewProps
  ssh: SshKeysViewProps
  profile: Omit<ProfileViewProps, 'me'>
}

export function AccountView({ me, summary, usage, ledger, keys, ssh, profile }: AccountViewProps) {
  const { t } = useT()
  return (
    <div className="stack" style={{ gap: '1rem' }}>
      <div className="page-head">
        <div>
          <h1>{t('account.title')}</h1>
          <p>{t('account.subtitle')}</p>
        </div>
      </div>
      <BalanceView me={me} summary={summary} />
      {usage && <UsageView {...usage} />}
      {ledger && <LedgerView {...ledger} />}
      <ApiKeysView {...keys} />
      <SshKeysView {...ssh} />
      <ProfileView me={me} {...profile} />
    </div>
  )
}
