import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { podEventsQuery, podStatsQuery } from '../../api/queries/pods'
import type { Pod, PodEvent, PodStats } from '../../api/types'
import { Button } from '../../components/Button'
import { ConfirmDialog } from '../../components/Dialog'
import { ProgressBar } from '../../components/Feedback'
import { useT } from '../../i18n'
import { bytes, dateTime, duration, money, number, time } from '../../lib/format'
import { useNow } from '../../lib/useNow'
import { ConnectDialog } from './ConnectDialog'
import { LogsDialog } from './LogsDialog'
import { StatusBadge } from './StatusBadge'
import { canDelete, canStart, canStop, creationProgress, gpuText, uptimeSeconds } from './status'
import { usePodActions } from './usePodActions'

export interface PodCardViewProps {
  pod: Pod
  showOwner: boolean
  stats: PodStats | undefined
  events: PodEvent[] | undefined
  now: number
  pending: 'start' | 'stop' | 'remove' | null
  onConnect: () => void
  onLogs: () => void
  onStart: () => void
  onStop: () => void
  onDelete: () => void
}

function Metric({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="metric">
      <div className="kpi-label">{label}</div>
      <div className="value">{value}</div>
      {sub && <div className="small muted">{sub}</div>}
    </div>
  )
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
        <h3 id={`pod-${pod.podId}`}>{pod.podName}</h3>
        <StatusBadge status={pod.status} />
        <span className="spacer" />
        <span className="small muted">{gpuText(pod)}</span>
      </div>
      <div className="pod-meta">
        {showOwner && <span>{t('pod.owner', { email: pod.userEmail })}</span>}
        <span>{pod.templateName ? t('pod.fromTemplate', { name: pod.templateName }) : pod.dockerImage}</span>
        <span>{t('pod.created', { when: dateTime(pod.createdAt, locale) })}</span>
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
            <Metric label={t('pod.cpu')} value={pct(live.cpuUsage)} />
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
        <Metric
          label={t('pod.costPerHour')}
          value={pod.metered ? money(pod.costPerHour, locale, { precise: true }) : t('pod.notMetered')}
          sub={
            pod.metered
              ? t('pod.costSplit', {
                  compute: money(pod.computeCostPerHour, locale, { precise: true }),
                  storage: money(pod.storageCostPerHour, locale, { precise: true }),
                })
              : undefined
          }
        />
        <Metric label={t('pod.costSoFar')} value={pod.metered ? money(pod.costSoFar, locale) : '—'} />
      </div>
      <div className="row">
        <Button variant="primary" onClick={props.onConnect}>
          {t('pod.connect')}
        </Button>
        <Button onClick={props.onLogs}>{t('pod.logs')}</Button>
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

type Dialog = 'connect' | 'logs' | 'stop' | 'remove' | null

export function PodCard({ pod, showOwner }: { pod: Pod; showOwner: boolean }) {
  const { t } = useT()
  const [dialog, setDialog] = useState<Dialog>(null)
  const actions = usePodActions(pod)
  const running = pod.status === 'running'
  const creating = pod.status === 'pending' || pod.status === 'creating'
  const stats = useQuery({ ...podStatsQuery(pod.podId), enabled: running })
  const events = useQuery({ ...podEventsQuery(pod.podId), enabled: creating })
  const now = useNow(1000, running)
  const confirm = async (action: 'stop' | 'remove') => {
    if (await actions.run(action)) setDialog(null)
  }
  return (
    <>
      <PodCardView
        pod={pod}
        showOwner={showOwner}
        stats={running ? stats.data : undefined}
        events={events.data}
        now={now}
        pending={actions.pending}
        onConnect={() => setDialog('connect')}
        onLogs={() => setDialog('logs')}
        onStart={() => void actions.run('start')}
        onStop={() => setDialog('stop')}
        onDelete={() => setDialog('remove')}
      />
      {dialog === 'connect' && <ConnectDialog pod={pod} open onClose={() => setDialog(null)} />}
      {dialog === 'logs' && <LogsDialog pod={pod} open onClose={() => setDialog(null)} />}
      <ConfirmDialog
        open={dialog === 'stop'}
        title={t('pod.confirmStop.title', { name: pod.podName })}
        confirmLabel={t('pod.stop')}
        pending={actions.pending === 'stop'}
        onConfirm={() => void confirm('stop')}
        onCancel={() => setDialog(null)}
      >
        <p>{t('pod.confirmStop.body', { path: pod.volumePath })}</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'remove'}
        danger
        title={t('pod.confirmDelete.title', { name: pod.podName })}
        confirmLabel={t('pod.delete')}
        pending={actions.pending === 'remove'}
        onConfirm={() => void confirm('remove')}
        onCancel={() => setDialog(null)}
      >
        <p>{t('pod.confirmDelete.body', { volume: pod.volumeDiskSize, path: pod.volumePath })}</p>
        {showOwner && <p>{t('pod.confirmDelete.owner', { email: pod.userEmail })}</p>}
      </ConfirmDialog>
    </>
  )
}
