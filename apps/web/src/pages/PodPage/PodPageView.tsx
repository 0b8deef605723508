import type { ReactNode } from 'react'
import { Link } from 'react-router'
import type { Pod } from '../../api/types'
import { Button } from '../../components/Button'
import { Alert } from '../../components/Feedback'
import { type Tab, Tabs } from '../../components/Tabs'
import { useT } from '../../i18n'
import { dateTime, duration, relativeTime } from '../../lib/format'
import { CostPerHourMetric, Metric } from '../../modules/pods/Metric'
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
          <span data-testid="pod-status">
            <StatusBadge status={pod.status} />
          </span>
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
          <Metric label={t('podPage.gpu')} value={gpuText(pod)} />
          <CostPerHourMetric pod={pod} label={t('podPage.costNow')} />
          <Metric label={t('pod.uptime')} value={running ? duration(uptimeSeconds(pod, now)) : '—'} />
          <Metric
            label={t('podPage.lastActive')}
            sub={
              pod.idle.lastActivity
                ? (pod.idle.lastActivity.detail ?? t(`idle.source.${pod.idle.lastActivity.source}`))
                : t('podPage.lastActiveHint')
            }
            value={
              pod.lastActive ? (
                <time dateTime={pod.lastActive} title={dateTime(pod.lastActive, locale)}>
                  {relativeTime(pod.lastActive, now, locale)}
                </time>
              ) : (
                t('podPage.neverActive')
              )
            }
          />
        </div>
      </section>
      <Tabs label={t('podPage.sections')} tabs={tabs} selected={tab} onSelect={onTab} />
    </div>
  )
}
