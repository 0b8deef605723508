import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../api/api'
import { errorMessage } from '../../api/errors'
import { idleKeys, idleSettingsQuery } from '../../api/queries/idle'
import { podKeys } from '../../api/queries/pods'
import type { Pod } from '../../api/types'
import { Button } from '../../components/Button'
import { useToast } from '../../components/Toasts'
import { useT } from '../../i18n'
import { relativeTime, time } from '../../lib/format'
import { autoStopReason, type UpcomingStop, upcomingStop } from './idle'

/** Keep running (one click extends the idle deadline by one timeout), shared by the banner and the toast. */
export function useKeepRunning() {
  const client = useQueryClient()
  const toast = useToast()
  const { t } = useT()
  const mutation = useMutation({
    mutationFn: (pod: { podId: string; podName: string }) => api.pods.extend(pod.podId),
    onSuccess: (result, pod) => {
      void client.invalidateQueries({ queryKey: podKeys.all })
      void client.invalidateQueries({ queryKey: idleKeys.notifications })
      toast.show({
        tone: 'ok',
        title: t('idle.kept', { name: pod.podName, minutes: result.extendedByMinutes }),
      })
    },
    onError: (error, pod) =>
      toast.show({
        tone: 'bad',
        title: t('idle.keepFailed', { name: pod.podName }),
        body: errorMessage(error, t('common.unexpectedError')),
      }),
  })
  return {
    keep: (pod: { podId: string; podName: string }) => mutation.mutate(pod),
    pending: mutation.isPending,
  }
}

export interface IdleBannerViewProps {
  pod: Pod
  upcoming: UpcomingStop | null
  onKeepRunning: () => void
  pending: boolean
}

/** The pod's coming automatic stop (with Keep running for an idle one), or why it was stopped. */
export function IdleBannerView({ pod, upcoming, onKeepRunning, pending }: IdleBannerViewProps) {
  const { t, locale } = useT()
  const stopped = autoStopReason(pod)
  if (upcoming) {
    const when = time(upcoming.at, locale)
    return (
      <div className="alert alert-warn small row idle-banner" role="status" data-idle-warning={pod.podId}>
        <span>
          {upcoming.kind === 'idle'
            ? t('idle.warning', { minutes: upcoming.minutesLeft, time: when })
            : t(upcoming.kind === 'scheduled' ? 'idle.scheduled' : 'idle.maxRuntime', { time: when })}
        </span>
        <span className="spacer" />
        {upcoming.kind === 'idle' && (
          <Button size="sm" onClick={onKeepRunning} loading={pending}>
            {t('idle.keepRunning')}
          </Button>
        )}
      </div>
    )
  }
  if (stopped)
    return <div className="alert alert-info small">{t('idle.stoppedBecause', { reason: stopped })}</div>
  return null
}

/** The banner with the platform's warning lead and a working Keep running. */
export function IdleBanner({ pod, now }: { pod: Pod; now: number }) {
  const settings = useQuery(idleSettingsQuery())
  const { keep, pending } = useKeepRunning()
  const lead = settings.data?.warningLeadMinutes ?? 10
  return (
    <IdleBannerView
      pod={pod}
      upcoming={upcomingStop(pod, lead, now)}
      onKeepRunning={() => keep(pod)}
      pending={pending}
    />
  )
}

/** "GPU busy 87 % · 2 min ago", or nothing before the first activity. */
export function LastActivity({ pod, now }: { pod: Pod; now: number }) {
  const { t, locale } = useT()
  const last = pod.idle.lastActivity
  if (!last) return null
  const what = last.detail ?? t(`idle.source.${last.source}`)
  return <span>{t('idle.lastActivity', { what, when: relativeTime(last.at, now, locale) })}</span>
}
