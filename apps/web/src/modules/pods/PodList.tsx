import { Link } from 'react-router'
import type { Pod } from '../../api/types'
import { Empty, LoadError, Loading } from '../../components/Feedback'
import { useT } from '../../i18n'
import { PodCard } from './PodCard'

export interface PodListProps {
  pods: Pod[] | undefined
  loading: boolean
  error: string | null
  onRetry: () => void
  showOwner: boolean
  emptyTitle: string
}

export function PodList({ pods, loading, error, onRetry, showOwner, emptyTitle }: PodListProps) {
  const { t } = useT()
  if (error) return <LoadError message={error} onRetry={onRetry} />
  if (loading && !pods) return <Loading />
  if (!pods || pods.length === 0)
    return (
      <Empty title={emptyTitle}>
        <p>{t('pods.emptyHint')}</p>
        <Link className="btn btn-primary" to="/deploy">
          {t('pods.deploy')}
        </Link>
      </Empty>
    )
  return (
    <div className="stack">
      {pods.map((pod) => (
        <PodCard key={pod.podId} pod={pod} showOwner={showOwner} />
      ))}
    </div>
  )
}
