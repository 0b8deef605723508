import type { PodEvent } from '../../api/types'
import type { Loaded } from '../../api/view-state'
import { LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { dateTime } from '../../lib/format'

/** The pod's lifecycle, newest first; new events arrive over the socket while the page is open. */
export function PodEventsView({ events }: { events: Loaded<PodEvent[]> }) {
  const { t, locale } = useT()
  return (
    <section className="card stack" aria-labelledby="pod-events-heading">
      <h2 id="pod-events-heading">{t('podPage.events')}</h2>
      <LoadState
        {...events}
        compact
        empty={{ when: (list) => list.length === 0, title: t('podPage.noEvents') }}
      >
        {(list) => (
          <ol className="event-list" aria-labelledby="pod-events-heading">
            {[...list].reverse().map((e) => (
              <li key={e.id} className={e.type === 'warning' ? 'warning' : undefined}>
                <time dateTime={e.at}>{dateTime(e.at, locale)}</time>
                <span>
                  <strong className="event-reason">{e.reason}</strong> {e.message}
                  {e.progress !== null && <span className="muted"> · {e.progress} %</span>}
                </span>
              </li>
            ))}
          </ol>
        )}
      </LoadState>
    </section>
  )
}
