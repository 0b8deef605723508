import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import { errorMessage, isApiError } from '../../api/errors'
import { podEventsQuery, podQuery } from '../../api/queries/pods'
import type { Pod, User } from '../../api/types'
import { loaded } from '../../api/view-state'
import { LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { useNow } from '../../lib/useNow'
import { IdleBanner } from '../../modules/pods/IdleBanner'
import { usePodControls } from '../../modules/pods/usePodControls'
import { findCachedPod } from '../../realtime/cache-reducer'
import { PodPageView } from './PodPageView'
import { podTabs } from './pod-tabs'

/** `/pods/:podId`: one pod, kept live by the socket through the query cache. */
export function PodPage({ me }: { me: User }) {
  const { t } = useT()
  const { podId = '' } = useParams()
  const client = useQueryClient()
  const query = useQuery({
    ...podQuery(podId),
    // Opened from a list: show the pod the list holds at once, and ask the server again.
    initialData: () => findCachedPod(client, podId),
    initialDataUpdatedAt: 0,
  })
  // Deleted (here or elsewhere), or never visible to this user: the server says 404 or 403.
  const gone = isApiError(query.error) && (query.error.status === 404 || query.error.status === 403)
  return (
    <LoadState
      data={gone ? null : query.data}
      error={!gone && query.error ? errorMessage(query.error, t('podPage.loadFailed')) : null}
      onRetry={() => void query.refetch()}
      empty={{
        title: t('podPage.gone'),
        children: (
          <>
            <p>{t('podPage.goneHint')}</p>
            <Link className="btn btn-primary" to="/pods">
              {t('nav.myPods')}
            </Link>
          </>
        ),
      }}
    >
      {(pod) => <PodDetail pod={pod} me={me} />}
    </LoadState>
  )
}

function PodDetail({ pod, me }: { pod: Pod; me: User }) {
  const { t } = useT()
  const navigate = useNavigate()
  const [params, setParams] = useSearchParams()
  const mine = pod.userId === me.id
  const back =
    mine || me.role !== 'admin'
      ? { to: '/pods', label: t('nav.myPods') }
      : { to: `/admin/pods?user=${encodeURIComponent(pod.userEmail)}`, label: t('nav.allPods') }
  const { dialogs, ...controls } = usePodControls(pod, {
    showOwner: !mine,
    onDeleted: () => void navigate(back.to),
  })
  const events = loaded(useQuery(podEventsQuery(pod.podId)), t('common.loadFailed'))
  const now = useNow(1000)
  return (
    <>
      <PodPageView
        pod={pod}
        now={now}
        back={back}
        tabs={podTabs({ pod, showOwner: !mine, events }, t)}
        tab={params.get('tab') ?? 'overview'}
        onTab={(id) => setParams(id === 'overview' ? {} : { tab: id }, { replace: true })}
        banners={<IdleBanner pod={pod} now={now} />}
        controls={controls}
      />
      {dialogs}
    </>
  )
}
