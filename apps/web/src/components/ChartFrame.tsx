import type { ReactNode } from 'react'

/**
 * What BarChart and LineChart share: the figure with its SVG, the value grid on the left, a
 * legend when there is more than one series, and the data as a table for screen readers (no
 * charting library: a chart must be readable without one).
 */

export interface ChartPadding {
  top: number
  right: number
  bottom: number
  left: number
}

export interface ChartTableRow {
  key: string
  label: string
  cells: string[]
}

interface ChartFrameProps {
  title: string
  width: number
  height: number
  /** The grid: three lines (0, half, top) labelled with `format` */
  grid: { pad: ChartPadding; top: number; y: (value: number) => number; format: (value: number) => string }
  legend: { label: string; swatch: ReactNode }[]
  table: { columns: string[]; rows: ChartTableRow[] }
  children: ReactNode
}

export function ChartFrame({ title, width, height, grid, legend, table, children }: ChartFrameProps) {
  const { pad, top, y, format } = grid
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
        {children}
      </svg>
      {legend.length > 1 && (
        <figcaption className="legend">
          {legend.map((item) => (
            <span key={item.label}>
              {item.swatch}
              {item.label}
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
              {table.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row) => (
              <tr key={row.key}>
                <td>{row.label}</td>
                {row.cells.map((cell, i) => (
                  <td key={table.columns[i] ?? i}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  )
}
