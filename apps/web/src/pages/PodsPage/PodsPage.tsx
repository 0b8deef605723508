import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { errorMessage } from '../../api/errors'
import { ownPodsQuery } from '../../api/queries/pods'
import type { Pod, User } from '../../api/types'
import { useT } from '../../i18n'
import { money } from '../../lib/format'
import { PodList } from '../../modules/pods/PodList'

export interface PodsPageViewProps {
  me: User
  pods: Pod[] | undefined
  error: string | null
  onRetry: () => void
}

export function PodsPageView({ me, pods, error, onRetry }: PodsPageViewProps) {
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
      <PodList pods={pods} error={error} onRetry={onRetry} showOwner={false} emptyTitle={t('pods.empty')} />
    </>
  )
}

export function PodsPage({ me }: { me: User }) {
  const { t } = useT()
  const query = useQuery(ownPodsQuery())
  return (
    <PodsPageView
      me={me}
      pods={query.data}
      error={query.error ? errorMessage(query.error, t('pods.loadFailed')) : null}
      onRetry={() => void query.refetch()}
    />
  )
}
