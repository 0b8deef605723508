import { Link } from 'react-router'
import type { Pod } from '../../api/types'
import { LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { PodCard } from './PodCard'

export interface PodListProps {
  pods: Pod[] | undefined
  error: string | null
  onRetry: () => void
  showOwner: boolean
  emptyTitle: string
}

export function PodList({ pods, error, onRetry, showOwner, emptyTitle }: PodListProps) {
  const { t } = useT()
  return (
    <LoadState
      data={pods}
      error={error}
      onRetry={onRetry}
      empty={{
        when: (list) => list.length === 0,
        title: emptyTitle,
        children: (
          <>
            <p>{t('pods.emptyHint')}</p>
            <Link className="btn btn-primary" to="/deploy">
              {t('pods.deploy')}
            </Link>
          </>
        ),
      }}
    >
      {(list) => (
        <div className="stack">
          {list.map((pod) => (
            <PodCard key={pod.podId} pod={pod} showOwner={showOwner} />
          ))}
        </div>
      )}
    </LoadState>
  )
}
