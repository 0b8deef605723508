import { ChartFrame } from './ChartFrame'

export interface LineSeries {
  label: string
  /** One value per point; null = not measured (the line breaks there) */
  values: (number | null)[]
  className?: string
}

export interface LineChartProps {
  /** ISO times, one per point */
  times: string[]
  series: LineSeries[]
  format: (value: number) => string
  formatTime: (iso: string) => string
  title: string
  /** Fixed top of the scale (100 for percentages), else from the data */
  max?: number
  height?: number
}

/**
 * Lines over time in plain SVG, broken where a value is missing (never drawn through a gap), with
 * a data table for screen readers — the same approach as BarChart, no charting library.
 */
export function LineChart({ times, series, format, formatTime, title, max, height = 160 }: LineChartProps) {
  const width = 640
  const pad = { top: 10, right: 8, bottom: 22, left: 56 }
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null))
  const top = max ?? (Math.max(0, ...values) > 0 ? Math.max(...values) * 1.1 : 1)
  const innerW = width - pad.left - pad.right
  const innerH = height - pad.top - pad.bottom
  const t0 = times.length > 0 ? Date.parse(times[0]!) : 0
  const t1 = times.length > 1 ? Date.parse(times[times.length - 1]!) : t0 + 1
  const x = (iso: string) => pad.left + ((Date.parse(iso) - t0) / Math.max(1, t1 - t0)) * innerW
  const y = (v: number) => pad.top + innerH - (Math.min(v, top) / top) * innerH
  const segments = (s: LineSeries) => {
    const out: string[][] = [[]]
    s.values.forEach((v, i) => {
      if (v === null) out.push([])
      else out[out.length - 1]!.push(`${x(times[i]!).toFixed(1)},${y(v).toFixed(1)}`)
    })
    return out.filter((seg) => seg.length > 0)
  }
  const ticks =
    times.length > 1 ? [times[0]!, times[Math.floor(times.length / 2)]!, times[times.length - 1]!] : times
  return (
    <ChartFrame
      title={title}
      width={width}
      height={height}
      grid={{ pad, top, y, format }}
      legend={series.map((s, j) => ({ label: s.label, swatch: <i className={`line-key line-${j}`} /> }))}
      table={{
        columns: series.map((s) => s.label),
        rows: times.map((iso, i) => ({
          key: iso,
          label: formatTime(iso),
          cells: series.map((s) => {
            const v = s.values[i]
            return v === null || v === undefined ? '—' : format(v)
          }),
        })),
      }}
    >
      {ticks.map((iso, i) => (
        <text
          key={['start', 'middle', 'end'][i]}
          x={x(iso)}
          y={height - 6}
          textAnchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}
        >
          {formatTime(iso)}
        </text>
      ))}
      {series.map((s, j) =>
        segments(s).map((seg) =>
          seg.length === 1 ? (
            <circle
              key={`${s.label}-${seg[0]}`}
              className={`line line-${j}`}
              cx={seg[0]!.split(',')[0]}
              cy={seg[0]!.split(',')[1]}
              r={2}
            />
          ) : (
            <polyline
              key={`${s.label}-${seg[0]}`}
              className={`line line-${j}`}
              fill="none"
              points={seg.join(' ')}
            />
          ),
        ),
      )}
    </ChartFrame>
  )
}

/** A tiny line of the last values, for a pod card; decorative next to the figure it accompanies. */
export function Sparkline({ values, max, label }: { values: number[]; max?: number; label: string }) {
  const w = 80
  const h = 20
  const top = max ?? Math.max(1, ...values)
  const points = values
    .map(
      (v, i) =>
        `${((i / Math.max(1, values.length - 1)) * w).toFixed(1)},${(h - (Math.min(v, top) / top) * h).toFixed(1)}`,
    )
    .join(' ')
  return (
    <svg className="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      {values.length > 1 && <polyline className="line line-0" fill="none" points={points} />}
    </svg>
  )
}
