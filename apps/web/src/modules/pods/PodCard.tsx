import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { idleSettingsQuery } from '../../api/queries/idle'
import { podEventsQuery, podStatsQuery } from '../../api/queries/pods'
import type { Pod, PodEvent, PodStats } from '../../api/types'
import { Button } from '../../components/Button'
import { ProgressBar } from '../../components/Feedback'
import { Sparkline } from '../../components/LineChart'
import { useT } from '../../i18n'
import { bytes, dateTime, duration, money, number, time } from '../../lib/format'
import { useNow } from '../../lib/useNow'
import { usePodMetricsLive } from '../../realtime/usePodMetricsLive'
import { IdleBannerView, LastActivity, useKeepRunning } from './IdleBanner'
import { type UpcomingStop, upcomingStop } from './idle'
import { CostPerHourMetric, Metric } from './Metric'
import { StatusBadge } from './StatusBadge'
import { canDelete, canStart, canStop, creationProgress, gpuText, podPath, uptimeSeconds } from './status'
import { type PodControls, usePodControls } from './usePodControls'

export interface PodCardViewProps extends Omit<PodControls, 'dialogs'> {
  pod: Pod
  showOwner: boolean
  stats: PodStats | undefined
  events: PodEvent[] | undefined
  now: number
  /** CPU % of the last live samples (oldest first), for the sparkline */
  cpuTrend?: number[]
  /** The coming automatic stop and Keep running (absent: no banner) */
  idle?: { upcoming: UpcomingStop | null; onKeepRunning: () => void; pending: boolean }
}

/** One pod: live status, creation progress, usage (or why there is none), cost and actions. */
export function PodCardView(props: PodCardViewProps) {
  const { pod, showOwner, stats, events, now, pending } = props
  const { t, locale } = useT()
  const creating = pod.status === 'pending' || pod.status === 'creating'
  const progress = creationProgress(events)
  const live = stats ?? pod.stats
  const running = pod.status === 'running'
  const pct = (v: number | null) => (v === null ? '—' : `${number(v, locale)} %`)
  return (
    <article className="card pod-card" aria-labelledby={`pod-${pod.podId}`} data-pod-id={pod.podId}>
      <div className="pod-head">
        <h3 id={`pod-${pod.podId}`}>
          <Link to={podPath(pod.podId)}>{pod.podName}</Link>
        </h3>
        <StatusBadge status={pod.status} />
        <span className="spacer" />
        <span className="small muted">{gpuText(pod)}</span>
      </div>
      <div className="pod-meta">
        {showOwner && <span>{t('pod.owner', { email: pod.userEmail })}</span>}
        <span>{pod.templateName ? t('pod.fromTemplate', { name: pod.templateName }) : pod.dockerImage}</span>
        <span>{t('pod.created', { when: dateTime(pod.createdAt, locale) })}</span>
        <LastActivity pod={pod} now={now} />
        <span>
          {t('pod.disks', {
            container: pod.containerDiskSize,
            volume: pod.volumeDiskSize,
            path: pod.volumePath,
          })}
        </span>
      </div>
      {pod.statusReason && (
        <div className={`alert ${pod.status === 'error' ? 'alert-bad' : 'alert-info'} small`}>
          {pod.statusReason}
        </div>
      )}
      {props.idle && (
        <IdleBannerView
          pod={pod}
          upcoming={props.idle.upcoming}
          onKeepRunning={props.idle.onKeepRunning}
          pending={props.idle.pending}
        />
      )}
      {creating && (
        <div className="stack" style={{ gap: '0.4rem' }}>
          <ProgressBar value={progress.percent} label={t('pod.progress')} />
          <ul className="events" aria-label={t('pod.progress')}>
            {(events ?? []).slice(-4).map((e) => (
              <li key={e.id} className={e.type === 'warning' ? 'warning' : undefined}>
                <time dateTime={e.at}>{time(e.at, locale)}</time>
                <span>{e.message}</span>
              </li>
            ))}
            {(!events || events.length === 0) && <li className="muted">{t('pod.waitingForRuntime')}</li>}
          </ul>
        </div>
      )}
      <div className="pod-grid">
        <Metric label={t('pod.uptime')} value={running ? duration(uptimeSeconds(pod, now)) : '—'} />
        {running && live.available ? (
          <>
            <Metric
              label={t('pod.cpu')}
              value={pct(live.cpuUsage)}
              sub={
                props.cpuTrend && props.cpuTrend.length > 1 ? (
                  <Sparkline values={props.cpuTrend} label={t('pod.cpuTrend')} />
                ) : undefined
              }
            />
            <Metric
              label={t('pod.memory')}
              value={pct(live.memoryUsage)}
              sub={
                live.memoryUsedBytes !== null
                  ? `${bytes(live.memoryUsedBytes, locale)} / ${bytes(live.memoryLimitBytes, locale)}`
                  : undefined
              }
            />
            <Metric label={t('pod.gpuUsage')} value={pct(live.gpuUsage)} />
          </>
        ) : (
          <div className="metric" style={{ gridColumn: 'span 2' }}>
            <div className="kpi-label">{t('pod.usage')}</div>
            <div className="small">
              {running ? t('pod.usageUnavailable', { reason: live.reason ?? '' }) : t('pod.usageNotRunning')}
            </div>
          </div>
        )}
        <CostPerHourMetric pod={pod} label={t('pod.costPerHour')} />
        <Metric label={t('pod.costSoFar')} value={pod.metered ? money(pod.costSoFar, locale) : '—'} />
      </div>
      <div className="row">
        <Button variant="primary" onClick={props.onConnect}>
          {t('pod.connect')}
        </Button>
        <Button onClick={props.onLogs}>{t('pod.logs')}</Button>
        {running && (
          <Link className="btn" to={`${podPath(pod.podId)}?tab=terminal`}>
            {t('pod.terminal')}
          </Link>
        )}
        {canStart(pod) && (
          <Button onClick={props.onStart} loading={pending === 'start'}>
            {t('pod.start')}
          </Button>
        )}
        {canStop(pod) && (
          <Button onClick={props.onStop} loading={pending === 'stop'}>
            {t('pod.stop')}
          </Button>
        )}
        <span className="spacer" />
        {canDelete(pod) && (
          <Button variant="danger" onClick={props.onDelete} loading={pending === 'remove'}>
            {t('pod.delete')}
          </Button>
        )}
      </div>
    </article>
  )
}

export function PodCard({ pod, showOwner }: { pod: Pod; showOwner: boolean }) {
  const running = pod.status === 'running'
  const creating = pod.status === 'pending' || pod.status === 'creating'
  const stats = useQuery({ ...podStatsQuery(pod.podId), enabled: running })
  const events = useQuery({ ...podEventsQuery(pod.podId), enabled: creating })
  const now = useNow(1000, running)
  const { dialogs, ...controls } = usePodControls(pod, { showOwner })
  const [cpuTrend, setCpuTrend] = useState<number[]>([])
  usePodMetricsLive(pod.podId, running, (e) => {
    const cpu = e.sample.cpuPercent
    if (cpu !== null) setCpuTrend((trend) => [...trend, cpu].slice(-30))
  })
  const settings = useQuery(idleSettingsQuery())
  const { keep, pending } = useKeepRunning()
  const upcoming = upcomingStop(pod, settings.data?.warningLeadMinutes ?? 10, now)
  return (
    <>
      <PodCardView
        pod={pod}
        showOwner={showOwner}
        stats={running ? stats.data : undefined}
        events={events.data}
        now={now}
        cpuTrend={cpuTrend}
        idle={{ upcoming, onKeepRunning: () => keep(pod), pending }}
        {...controls}
      />
      {dialogs}
    </>
  )
}
