import type { ReactNode } from 'react'
import { Link } from 'react-router'
import type { Pod } from '../../api/types'
import { Button } from '../../components/Button'
import { Alert } from '../../components/Feedback'
import { type Tab, Tabs } from '../../components/Tabs'
import { useT } from '../../i18n'
import { dateTime, duration, money, relativeTime } from '../../lib/format'
import { StatusBadge } from '../../modules/pods/StatusBadge'
import { canDelete, canStart, canStop, gpuText, uptimeSeconds } from '../../modules/pods/status'
import type { PodControls } from '../../modules/pods/usePodControls'

export interface PodPageViewProps {
  pod: Pod
  /** For the uptime and "5 minutes ago" */
  now: number
  /** Where the page came from: the user's pods, or an admin's list */
  back: { to: string; label: string }
  tabs: Tab[]
  tab: string
  onTab: (id: string) => void
  /** Notices under the head (beside the status reason the page shows itself) */
  banners?: ReactNode
  controls: Omit<PodControls, 'dialogs'>
}

function Metric({ label, children, sub }: { label: string; children: ReactNode; sub?: ReactNode }) {
  return (
    <div className="metric">
      <div className="kpi-label">{label}</div>
      <div className="value">{children}</div>
      {sub && <div className="small muted">{sub}</div>}
    </div>
  )
}

/**
 * One pod: its head with the actions, what it is doing and costing now, then tabs (overview,
 * events, logs, and whatever later features add) so a section is added without a rewrite.
 */
export function PodPageView({ pod, now, back, tabs, tab, onTab, banners, controls }: PodPageViewProps) {
  const { t, locale } = useT()
  const running = pod.status === 'running'
  return (
    <div className="stack" style={{ gap: '1rem' }} data-pod-id={pod.podId}>
      <div>
        <Link to={back.to} className="small">
          <span aria-hidden="true">← </span>
          {back.label}
        </Link>
      </div>
      <div className="pod-page-head">
        <div className="row">
          <h1>{pod.podName}</h1>
          <StatusBadge status={pod.status} />
        </div>
        <div className="row">
          <Button variant="primary" onClick={controls.onConnect}>
            {t('pod.connect')}
          </Button>
          {canStart(pod) && (
            <Button onClick={controls.onStart} loading={controls.pending === 'start'}>
              {t('pod.start')}
            </Button>
          )}
          {canStop(pod) && (
            <Button onClick={controls.onStop} loading={controls.pending === 'stop'}>
              {t('pod.stop')}
            </Button>
          )}
          {canDelete(pod) && (
            <Button variant="danger" onClick={controls.onDelete} loading={controls.pending === 'remove'}>
              {t('pod.delete')}
            </Button>
          )}
        </div>
      </div>
      {pod.statusReason && (
        <Alert tone={pod.status === 'error' ? 'bad' : 'info'}>
          {pod.statusReason}
          {pod.exitCode !== null &&
            pod.status === 'error' &&
            ` · ${t('podPage.exitCode', { code: pod.exitCode })}`}
        </Alert>
      )}
      {banners}
      <section className="card" aria-label={t('podPage.glance')}>
        <div className="pod-grid">
          <Metric label={t('podPage.status')}>
            <span data-testid="pod-status">
              <StatusBadge status={pod.status} />
            </span>
          </Metric>
          <Metric label={t('podPage.gpu')}>{gpuText(pod)}</Metric>
          <Metric
            label={t('podPage.costNow')}
            sub={
              pod.metered
                ? t('pod.costSplit', {
                    compute: money(pod.computeCostPerHour, locale, { precise: true }),
                    storage: money(pod.storageCostPerHour, locale, { precise: true }),
                  })
                : undefined
            }
          >
            {pod.metered ? money(pod.costPerHour, locale, { precise: true }) : t('pod.notMetered')}
          </Metric>
          <Metric label={t('pod.uptime')}>{running ? duration(uptimeSeconds(pod, now)) : '—'}</Metric>
          <Metric label={t('podPage.lastActive')} sub={t('podPage.lastActiveHint')}>
            {pod.lastActive ? (
              <time dateTime={pod.lastActive} title={dateTime(pod.lastActive, locale)}>
                {relativeTime(pod.lastActive, now, locale)}
              </time>
            ) : (
              t('podPage.neverActive')
            )}
          </Metric>
        </div>
      </section>
      <Tabs label={t('podPage.sections')} tabs={tabs} selected={tab} onSelect={onTab} />
    </div>
  )
}
