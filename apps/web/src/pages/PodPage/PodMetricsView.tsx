import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { podKeys, podMetricsQuery } from '../../api/queries/pods'
import type { MetricsRange, Pod, PodMetricsHistory } from '../../api/types'
import { type Loaded, loaded } from '../../api/view-state'
import { LoadState } from '../../components/Feedback'
import { LineChart } from '../../components/LineChart'
import { rangeTimeFormat, ToggleGroup } from '../../components/RangePicker'
import { useT } from '../../i18n'
import { bytes, number } from '../../lib/format'
import { usePodMetricsLive } from '../../realtime/usePodMetricsLive'

export const METRIC_RANGES: MetricsRange[] = ['1h', '24h', '7d']

/** CPU, memory, GPU and VRAM of a pod over 1 h / 24 h / 7 d, each chart with its data table. */
export function PodMetricsView({
  history,
  range,
  onRange,
}: {
  history: Loaded<PodMetricsHistory>
  range: MetricsRange
  onRange: (r: MetricsRange) => void
}) {
  const { t, locale } = useT()
  const pct = (v: number) => `${number(Math.round(v), locale)} %`
  const size = (v: number) => bytes(v, locale)
  const formatTime = rangeTimeFormat(locale, range)
  return (
    <section className="stack" aria-labelledby="metrics-heading">
      <div className="row-between">
        <h2 id="metrics-heading">{t('podMetrics.title')}</h2>
        <ToggleGroup
          ranges={METRIC_RANGES}
          value={range}
          onChange={onRange}
          legend={t('podMetrics.range')}
          label={(r) => t(`podMetrics.range.${r}`)}
        />
      </div>
      <LoadState
        data={history.data}
        error={history.error}
        onRetry={history.onRetry}
        empty={{
          when: (h) => h.points.length === 0,
          title: t('podMetrics.empty'),
          children: reasonText(history.data),
        }}
      >
        {(h) => {
          const times = h.points.map((p) => p.at)
          const col = (f: keyof (typeof h.points)[number]) => h.points.map((p) => p[f] as number | null)
          const missing = Object.entries(h.unavailable)
          return (
            <div className="stack">
              <p className="small muted">{t('podMetrics.source', { source: h.source })}</p>
              <div className="grid-2">
                <div className="card stack">
                  <h3>{t('podMetrics.cpu')}</h3>
                  <LineChart
                    title={t('podMetrics.cpu')}
                    times={times}
                    series={[{ label: t('podMetrics.cpu'), values: col('cpuPercent') }]}
                    format={pct}
                    formatTime={formatTime}
                  />
                </div>
                <div className="card stack">
                  <h3>{t('podMetrics.memory')}</h3>
                  <LineChart
                    title={t('podMetrics.memory')}
                    times={times}
                    series={[
                      { label: t('podMetrics.used'), values: col('memoryUsedBytes') },
                      { label: t('podMetrics.limit'), values: col('memoryLimitBytes') },
                    ]}
                    format={size}
                    formatTime={formatTime}
                  />
                </div>
                <div className="card stack">
                  <h3>{t('podMetrics.gpu')}</h3>
                  <LineChart
                    title={t('podMetrics.gpu')}
                    times={times}
                    series={[{ label: t('podMetrics.gpu'), values: col('gpuUtilizationPercent') }]}
                    format={pct}
                    formatTime={formatTime}
                    max={100}
                  />
                </div>
                <div className="card stack">
                  <h3>{t('podMetrics.vram')}</h3>
                  <LineChart
                    title={t('podMetrics.vram')}
                    times={times}
                    series={[
                      { label: t('podMetrics.used'), values: col('vramUsedBytes') },
                      { label: t('podMetrics.total'), values: col('vramTotalBytes') },
                    ]}
                    format={size}
                    formatTime={formatTime}
                  />
                </div>
              </div>
              {missing.length > 0 && (
                <div className="stack small" data-testid="metrics-unavailable">
                  <strong>{t('podMetrics.missing')}</strong>
                  <ul>
                    {missing.map(([field, reason]) => (
                      <li key={field}>
                        <code>{field}</code>: {reason}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </div>
          )
        }}
      </LoadState>
    </section>
  )
}

function reasonText(h: PodMetricsHistory | undefined): string | undefined {
  if (!h) return undefined
  const reasons = [...new Set(Object.values(h.unavailable))]
  return reasons.length > 0 ? reasons.join(' · ') : undefined
}

/** The Metrics tab: loads the history and appends live samples to the last hour. */
export function PodMetrics({ pod }: { pod: Pod }) {
  const { t } = useT()
  const [range, setRange] = useState<MetricsRange>('1h')
  const client = useQueryClient()
  const query = useQuery(podMetricsQuery(pod.podId, range))
  usePodMetricsLive(pod.podId, pod.status === 'running', (e) => {
    client.setQueryData<PodMetricsHistory>(podKeys.metrics(pod.podId, '1h'), (h) =>
      h && !h.points.some((p) => p.at === e.sample.at)
        ? { ...h, points: [...h.points, e.sample].slice(-720), unavailable: e.unavailable }
        : h,
    )
  })
  return (
    <PodMetricsView history={loaded(query, t('podMetrics.loadFailed'))} range={range} onRange={setRange} />
  )
}
