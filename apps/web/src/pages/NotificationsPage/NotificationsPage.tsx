import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { errorMessage } from '../../api/errors'
import { notificationsQuery } from '../../api/queries/idle'
import type { UserNotification } from '../../api/types'
import { LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { dateTime } from '../../lib/format'
import { podPath } from '../../modules/pods/status'

export interface NotificationsViewProps {
  notifications: UserNotification[] | undefined
  error: string | null
  onRetry: () => void
}

/** The user's recent notifications: idle warnings and automatic stops, newest first. No e-mail. */
export function NotificationsView({ notifications, error, onRetry }: NotificationsViewProps) {
  const { t, locale } = useT()
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('notifications.title')}</h1>
          <p>{t('notifications.intro')}</p>
        </div>
      </div>
      <LoadState
        data={notifications}
        error={error}
        onRetry={onRetry}
        empty={{
          title: t('notifications.empty'),
          children: <p>{t('notifications.emptyHint')}</p>,
          when: (list) => list.length === 0,
        }}
      >
        {(list) => (
          <section className="card" aria-labelledby="notifications-list">
            <h2 id="notifications-list" className="sr-only">
              {t('notifications.title')}
            </h2>
            <ul className="events notifications">
              {list.map((n) => (
                <li key={n.id} className={n.kind === 'autoStopped' ? undefined : 'warning'}>
                  <time dateTime={n.createdAt}>{dateTime(n.createdAt, locale)}</time>
                  <span>
                    <strong>{t(`notifications.kind.${n.kind}`)}</strong> {n.message}
                    {n.podId && (
                      <>
                        {' · '}
                        <Link to={podPath(n.podId)}>{t('notifications.openPod')}</Link>
                      </>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        )}
      </LoadState>
    </>
  )
}

export function NotificationsPage() {
  const { t } = useT()
  const query = useQuery(notificationsQuery())
  return (
    <NotificationsView
      notifications={query.data}
      error={query.error ? errorMessage(query.error, t('common.loadFailed')) : null}
      onRetry={() => void query.refetch()}
    />
  )
}
