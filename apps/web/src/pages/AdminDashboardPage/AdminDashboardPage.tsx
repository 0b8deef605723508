import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { errorMessage } from '../../api/errors'
import { adminStatsQuery } from '../../api/queries/billing'
import { systemStatusQuery } from '../../api/queries/status'
import type { AdminStatsInfo, SystemStatusInfo } from '../../api/types'
import { BarChart } from '../../components/BarChart'
import { Badge, LoadState } from '../../components/Feedback'
import { RangePicker } from '../../components/RangePicker'
import { useT } from '../../i18n'
import { duration, money } from '../../lib/format'
import { StatusBadge } from '../../modules/pods/StatusBadge'
import { GpuHistory } from './GpuHistory'

export function AdminDashboardView({
  stats,
  system,
  systemError,
  onRetrySystem,
  days,
  onDays,
}: {
  stats: AdminStatsInfo
  system: SystemStatusInfo | undefined
  systemError: string | null
  onRetrySystem: () => void
  days: number
  onDays: (d: number) => void
}) {
  const { t, locale } = useT()
  const byStatus = Object.entries(stats.pods.byStatus).filter(([, n]) => n > 0)
  const labels = stats.revenue.byDay.map((d) => d.day)
  return (
    <div className="stack" style={{ gap: '1rem' }}>
      <div className="grid">
        <Link to="/admin/users" className="card kpi" style={{ textDecoration: 'none', color: 'inherit' }}>
          <span className="kpi-label">{t('dashboard.users')}</span>
          <span className="kpi-value" data-testid="kpi-users">
            {stats.users.total}
          </span>
          <span className="small muted">
            {t('dashboard.usersDetail', {
              online: stats.users.online,
              admins: stats.users.admins,
              suspended: stats.users.suspended,
            })}
          </span>
        </Link>
        <Link to="/admin/pods" className="card kpi" style={{ textDecoration: 'none', color: 'inherit' }}>
          <span className="kpi-label">{t('dashboard.pods')}</span>
          <span className="kpi-value">{stats.pods.total}</span>
          <span className="small muted">
            {t('dashboard.running', { count: stats.pods.byStatus.running ?? 0 })}
          </span>
        </Link>
        <div className="card kpi">
          <span className="kpi-label">{t('dashboard.gpusInUse')}</span>
          <span className="kpi-value">{stats.gpus.inUse}</span>
          <span className="small muted">
            {Object.entries(stats.gpus.byType)
              .map(([type, n]) => `${n} × ${type}`)
              .join(' · ') || t('dashboard.noGpus')}
          </span>
        </div>
        <div className="card kpi">
          <span className="kpi-label">{t('dashboard.revenue30')}</span>
          <span className="kpi-value">{money(stats.revenue.last30Days, locale)}</span>
          <span className="small muted">
            {t('dashboard.revenueTotal', { total: money(stats.revenue.total, locale) })}
          </span>
        </div>
      </div>
      <section className="card stack" aria-labelledby="revenue-heading">
        <div className="row-between">
          <h2 id="revenue-heading">{t('dashboard.chartTitle')}</h2>
          <RangePicker days={days} onDays={onDays} />
        </div>
        <BarChart
          title={t('dashboard.chartTitle')}
          labels={labels}
          series={[
            { label: t('dashboard.usageCharged'), values: stats.revenue.byDay.map((d) => d.amount) },
            {
              label: t('dashboard.credits'),
              values: stats.revenue.byDay.map((d) => d.credits),
              className: 'bar-2',
            },
          ]}
          format={(v) => money(v, locale)}
        />
      </section>
      <GpuHistory />
      <div className="grid-2">
        <section className="card stack" aria-labelledby="states-heading">
          <h2 id="states-heading">{t('dashboard.podsByState')}</h2>
          <LoadState
            compact
            data={byStatus}
            error={null}
            empty={{ when: (list) => list.length === 0, title: t('dashboard.noPods') }}
          >
            {(list) => (
              <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0, gap: '0.4rem' }}>
                {list.map(([status, n]) => (
                  <li key={status} className="row-between">
                    <Link to={`/admin/pods?status=${status}`}>
                      <StatusBadge status={status as Parameters<typeof StatusBadge>[0]['status']} />
                    </Link>
                    <strong className="num">{n}</strong>
                  </li>
                ))}
              </ul>
            )}
          </LoadState>
        </section>
        <section className="card stack" aria-labelledby="system-heading">
          <h2 id="system-heading">{t('dashboard.system')}</h2>
          <LoadState compact data={system} error={systemError} onRetry={onRetrySystem}>
            {(system) => (
              <ul className="stack small" style={{ listStyle: 'none', padding: 0, margin: 0, gap: '0.4rem' }}>
                <li className="row-between">
                  <span>{t('dashboard.database', { kind: system.database.kind })}</span>
                  <Badge tone={system.database.status === 'ok' ? 'ok' : 'bad'} dot>
                    {system.database.status === 'ok'
                      ? `${system.database.latencyMs ?? '—'} ms`
                      : (system.database.error ?? 'error')}
                  </Badge>
                </li>
                <li className="row-between">
                  <span>{t('dashboard.runtime', { kind: system.runtime.kind })}</span>
                  <Badge
                    tone={system.runtime.status === 'ok' ? (system.runtime.simulated ? 'warn' : 'ok') : 'bad'}
                    dot
                  >
                    {system.runtime.status === 'ok'
                      ? system.runtime.simulated
                        ? t('dashboard.simulated')
                        : (system.runtime.version ?? 'ok')
                      : (system.runtime.error ?? 'error')}
                  </Badge>
                </li>
                <li className="row-between">
                  <span>{t('dashboard.uptime')}</span>
                  <span>{duration(system.system.uptime)}</span>
                </li>
                <li className="row-between">
                  <span>{t('dashboard.version')}</span>
                  <span>{system.system.version}</span>
                </li>
              </ul>
            )}
          </LoadState>
        </section>
      </div>
    </div>
  )
}

export default function AdminDashboardPage() {
  const { t } = useT()
  const [days, setDays] = useState(30)
  const stats = useQuery(adminStatsQuery(days))
  const system = useQuery(systemStatusQuery())
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('dashboard.title')}</h1>
          <p>{t('dashboard.subtitle')}</p>
        </div>
      </div>
      <LoadState
        data={stats.data}
        error={stats.error ? errorMessage(stats.error, t('common.loadFailed')) : null}
        onRetry={() => void stats.refetch()}
      >
        {(data) => (
          <AdminDashboardView
            stats={data}
            system={system.data}
            systemError={system.error ? errorMessage(system.error, t('common.loadFailed')) : null}
            onRetrySystem={() => void system.refetch()}
            days={days}
            onDays={setDays}
          />
        )}
      </LoadState>
    </>
  )
}
