import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { errorMessage } from '../../api/errors'
import { idleSettingsQuery } from '../../api/queries/idle'
import { ownPodsQuery } from '../../api/queries/pods'
import type { Pod, User } from '../../api/types'
import { Alert } from '../../components/Feedback'
import { useT } from '../../i18n'
import { duration, money } from '../../lib/format'
import { runwayHours } from '../../modules/pods/idle'
import { PodList } from '../../modules/pods/PodList'

export interface PodsPageViewProps {
  me: User
  pods: Pod[] | undefined
  error: string | null
  onRetry: () => void
  /** Warn when the balance covers less than this many minutes of the pods (the admin's setting) */
  runwayWarningMinutes?: number
}

export function PodsPageView({ me, pods, error, onRetry, runwayWarningMinutes }: PodsPageViewProps) {
  const { t, locale } = useT()
  const running = pods?.filter((p) => p.status === 'running').length ?? 0
  const burn =
    pods
      ?.filter((p) => p.metered)
      .reduce((sum, p) => sum + (p.status === 'running' ? p.costPerHour : p.storageCostPerHour), 0) ?? 0
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('pods.title')}</h1>
          <p>
            {t('pods.summary', { count: pods?.length ?? 0, running })}
            {me.role === 'client' && pods && pods.length > 0
              ? ` · ${t('pods.burn', { rate: money(burn, locale, { precise: true }) })}`
              : ''}
          </p>
        </div>
        <Link className="btn btn-primary" to="/deploy">
          {t('pods.deploy')}
        </Link>
      </div>
      {me.role === 'client' && pods && runwayWarningMinutes !== undefined && (
        <RunwayWarning hours={runwayHours(me.balance, pods)} thresholdMinutes={runwayWarningMinutes} />
      )}
      <PodList pods={pods} error={error} onRetry={onRetry} showOwner={false} emptyTitle={t('pods.empty')} />
    </>
  )
}

/** Balance runway: how long the balance lasts at the pods' current cost, when that is short. */
function RunwayWarning({ hours, thresholdMinutes }: { hours: number | null; thresholdMinutes: number }) {
  const { t } = useT()
  if (hours === null || hours * 60 >= thresholdMinutes) return null
  return (
    <Alert tone="warn">
      {t('idle.runway', { time: duration(Math.floor(hours * 3600)) })}{' '}
      <Link to="/account">{t('idle.runwayTopUp')}</Link>
    </Alert>
  )
}

export function PodsPage({ me }: { me: User }) {
  const { t } = useT()
  const query = useQuery(ownPodsQuery())
  const idle = useQuery(idleSettingsQuery())
  return (
    <PodsPageView
      me={me}
      runwayWarningMinutes={idle.data?.runwayWarningMinutes}
      pods={query.data}
      error={query.error ? errorMessage(query.error, t('pods.loadFailed')) : null}
      onRetry={() => void query.refetch()}
    />
  )
}
