import { ChartFrame } from './ChartFrame'

export interface BarSeries {
  label: string
  values: number[]
  className?: string
}

export interface BarChartProps {
  labels: string[]
  series: BarSeries[]
  format: (value: number) => string
  title: string
  height?: number
}

/**
 * Grouped bars in plain SVG, with a <title> per bar and a hidden table for screen readers, so the
 * chart is readable without a charting library.
 */
export function BarChart({ labels, series, format, title, height = 180 }: BarChartProps) {
  const width = 640
  const pad = { top: 10, right: 8, bottom: 24, left: 52 }
  const max = Math.max(0, ...series.flatMap((s) => s.values))
  const top = max > 0 ? max * 1.1 : 1
  const innerW = width - pad.left - pad.right
  const innerH = height - pad.top - pad.bottom
  const slot = labels.length > 0 ? innerW / labels.length : innerW
  const barW = Math.max(1, (slot * 0.75) / Math.max(1, series.length))
  const y = (v: number) => pad.top + innerH - (v / top) * innerH
  const step = Math.max(1, Math.ceil(labels.length / 8))
  return (
    <ChartFrame
      title={title}
      width={width}
      height={height}
      grid={{ pad, top, y, format }}
      legend={series.map((s) => ({
        label: s.label,
        swatch: (
          <i
            className={s.className ?? 'bar'}
            style={{ background: s.className === 'bar-2' ? 'var(--ok)' : 'var(--primary)' }}
          />
        ),
      }))}
      table={{
        columns: series.map((s) => s.label),
        rows: labels.map((label, i) => ({
          key: label,
          label,
          cells: series.map((s) => format(s.values[i] ?? 0)),
        })),
      }}
    >
      {labels.map((label, i) => (
        <g key={label}>
          {series.map((s, j) => {
            const v = s.values[i] ?? 0
            const x = pad.left + i * slot + (slot - barW * series.length) / 2 + j * barW
            return (
              <rect
                key={s.label}
                className={s.className ?? 'bar'}
                x={x}
                y={y(v)}
                width={barW}
                height={Math.max(0, pad.top + innerH - y(v))}
                rx={1.5}
              >
                <title>{`${label} · ${s.label}: ${format(v)}`}</title>
              </rect>
            )
          })}
          {i % step === 0 && (
            <text x={pad.left + i * slot + slot / 2} y={height - 6} textAnchor="middle">
              {label.slice(5)}
            </text>
          )}
        </g>
      ))}
    </ChartFrame>
  )
}
