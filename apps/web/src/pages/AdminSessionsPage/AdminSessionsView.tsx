import { Link } from 'react-router'
import type { Page, ShellSession } from '../../api/types'
import type { Loaded } from '../../api/view-state'
import { Badge, LoadState } from '../../components/Feedback'
import { Pagination } from '../../components/Pagination'
import { useT } from '../../i18n'
import { dateTime, duration } from '../../lib/format'

export interface AdminSessionsViewProps {
  sessions: Loaded<Page<ShellSession>>
  openOnly: boolean
  onOpenOnly: (open: boolean) => void
  onPage: (page: number) => void
  /** For the duration of sessions still open */
  now: number
}

function seconds(s: ShellSession, now: number): number {
  return s.durationSeconds ?? Math.max(0, (now - Date.parse(s.startedAt)) / 1000)
}

/** Every web terminal and SSH session into a pod: who, which pod, what, from where, how long. */
export function AdminSessionsView({ sessions, openOnly, onOpenOnly, onPage, now }: AdminSessionsViewProps) {
  const { t, locale } = useT()
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('sessions.title')}</h1>
          <p>{t('sessions.subtitle', { total: sessions.data?.total ?? 0 })}</p>
        </div>
      </div>
      <div className="card row" style={{ marginBottom: '1rem' }}>
        <label className="row" style={{ gap: '0.4rem' }}>
          <input type="checkbox" checked={openOnly} onChange={(e) => onOpenOnly(e.target.checked)} />
          {t('sessions.openOnly')}
        </label>
      </div>
      <LoadState
        {...sessions}
        empty={{
          when: (p) => p.data.length === 0,
          title: openOnly ? t('sessions.noneOpen') : t('sessions.none'),
        }}
      >
        {(p) => (
          <section className="card stack" aria-label={t('sessions.title')}>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>{t('sessions.user')}</th>
                    <th>{t('sessions.pod')}</th>
                    <th>{t('sessions.kind')}</th>
                    <th className="hide-sm">{t('sessions.from')}</th>
                    <th>{t('sessions.started')}</th>
                    <th className="num">{t('sessions.duration')}</th>
                    <th>{t('sessions.state')}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.data.map((s) => (
                    <tr key={s.id} data-session-id={s.id}>
                      <td>{s.userEmail}</td>
                      <td>
                        <Link to={`/pods/${encodeURIComponent(s.podId)}`}>{s.podName ?? s.podId}</Link>
                      </td>
                      <td>
                        {t(`sessions.kind.${s.kind}`)} · <span className="small">{s.detail}</span>
                      </td>
                      <td className="hide-sm small mono">{s.remoteAddress ?? '—'}</td>
                      <td className="small">{dateTime(s.startedAt, locale)}</td>
                      <td className="num">{duration(seconds(s, now))}</td>
                      <td>
                        {s.endedAt === null ? (
                          <Badge tone="ok" dot pulse>
                            {t('sessions.open')}
                          </Badge>
                        ) : (
                          <Badge tone="neutral">{t('sessions.closed')}</Badge>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={p.page} limit={p.limit} total={p.total} onPage={onPage} />
          </section>
        )}
      </LoadState>
    </>
  )
}
