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
    <figure className="chart" style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="axis" x1={pad.left} x2={width - pad.right} y1={y(top * f)} y2={y(top * f)} />
            <text x={pad.left - 6} y={y(top * f) + 3} textAnchor="end">
              {format(top * f)}
            </text>
          </g>
        ))}
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
      </svg>
      {series.length > 1 && (
        <figcaption className="legend">
          {series.map((s) => (
            <span key={s.label}>
              <i
                className={s.className ?? 'bar'}
                style={{ background: s.className === 'bar-2' ? 'var(--ok)' : 'var(--primary)' }}
              />
              {s.label}
            </span>
          ))}
        </figcaption>
      )}
      {/* A table sizes to its content whatever its width says: the clipping box around it keeps
          it from widening the page on a phone. */}
      <div className="sr-only">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th>{title}</th>
              {series.map((s) => (
                <th key={s.label}>{s.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, i) => (
              <tr key={label}>
                <td>{label}</td>
                {series.map((s) => (
                  <td key={s.label}>{format(s.values[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  )
}
