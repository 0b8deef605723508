import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { gpuUsageQuery } from '../../api/queries/billing'
import type { GpuUsageHistory } from '../../api/types'
import { type Loaded, loaded } from '../../api/view-state'
import { LoadState } from '../../components/Feedback'
import { LineChart } from '../../components/LineChart'
import { rangeTimeFormat, ToggleGroup } from '../../components/RangePicker'
import { useT } from '../../i18n'

type Range = '24h' | '7d'

/** GPUs held by running pods per type over time (recorded each minute by the metrics sampler). */
export function GpuHistoryView({
  history,
  range,
  onRange,
}: {
  history: Loaded<GpuUsageHistory>
  range: Range
  onRange: (r: Range) => void
}) {
  const { t, locale } = useT()
  const formatTime = rangeTimeFormat(locale, range)
  return (
    <section className="card stack" aria-labelledby="gpu-history-heading">
      <div className="row-between">
        <h2 id="gpu-history-heading">{t('dashboard.gpuHistory')}</h2>
        <ToggleGroup
          ranges={['24h', '7d'] as const}
          value={range}
          onChange={onRange}
          legend={t('dashboard.range')}
          label={(r) => t(`dashboard.range.${r}`)}
        />
      </div>
      <LoadState
        compact
        data={history.data}
        error={history.error}
        onRetry={history.onRetry}
        empty={{ when: (h) => h.points.length === 0, title: t('dashboard.gpuHistory.none') }}
      >
        {(h) => {
          const times = [...new Set(h.points.map((p) => p.at))].sort()
          const types = [...new Set(h.points.map((p) => p.gpuType))].sort()
          const series = types.map((type) => ({
            label: type,
            values: times.map((at) => h.points.find((p) => p.at === at && p.gpuType === type)?.gpus ?? 0),
          }))
          return (
            <LineChart
              title={t('dashboard.gpuHistory')}
              times={times}
              series={series}
              format={(v) => String(Math.round(v))}
              formatTime={formatTime}
            />
          )
        }}
      </LoadState>
    </section>
  )
}

export function GpuHistory() {
  const { t } = useT()
  const [range, setRange] = useState<Range>('24h')
  const query = useQuery(gpuUsageQuery(range))
  return <GpuHistoryView history={loaded(query, t('common.loadFailed'))} range={range} onRange={setRange} />
}
