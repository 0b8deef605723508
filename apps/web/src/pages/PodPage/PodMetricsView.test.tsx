import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { PodMetricPoint, PodMetricsHistory } from '../../api/types'
import { renderView } from '../../test-helpers/render'
import { loadedOf } from '../../test-helpers/view-state'
import { PodMetricsView } from './PodMetricsView'

const point = (at: string, cpu: number | null): PodMetricPoint => ({
  at,
  cpuPercent: cpu,
  memoryUsedBytes: 512 * 1024 * 1024,
  memoryLimitBytes: 1024 * 1024 * 1024,
  netRxBytesPerSecond: null,
  netTxBytesPerSecond: null,
  gpuUtilizationPercent: null,
  vramUsedBytes: null,
  vramTotalBytes: null,
  gpuTemperatureC: null,
  gpuPowerWatts: null,
})

const history = (points: PodMetricPoint[], unavailable: Record<string, string> = {}): PodMetricsHistory => ({
  podId: 'a1b2c3d4e5f60718',
  range: '1h',
  resolutionSeconds: 10,
  points,
  unavailable,
  source: 'docker stats stream',
})

describe('PodMetricsView', () => {
  it('charts CPU, memory, GPU and VRAM with a data table each, and says what is not measured and why', () => {
    const onRange = vi.fn()
    renderView(
      <PodMetricsView
        history={loadedOf(
          history([point('2026-01-01T10:00:00.000Z', 12.5), point('2026-01-01T10:00:10.000Z', 97)], {
            gpuUtilizationPercent: 'the pod has no GPU',
          }),
        )}
        range="1h"
        onRange={onRange}
      />,
    )
    for (const name of ['CPU (% of one CPU)', 'Memory', 'GPU utilisation', 'GPU memory (VRAM)'])
      expect(screen.getByRole('img', { name })).toBeTruthy()
    const cpuTable = screen.getByRole('table', { name: 'CPU (% of one CPU)' })
    const cells = within(cpuTable)
      .getAllByRole('cell')
      .map((c) => c.textContent)
    expect(cells).toContain('13 %')
    expect(cells).toContain('97 %')
    // A figure that was not measured is a dash, never a zero.
    const gpuTable = screen.getByRole('table', { name: 'GPU utilisation' })
    expect(
      within(gpuTable)
        .getAllByRole('cell')
        .filter((c) => c.textContent === '—'),
    ).toHaveLength(2)
    expect(screen.getByTestId('metrics-unavailable').textContent).toContain('the pod has no GPU')
    expect(screen.getByText('Measured by: docker stats stream')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: '7 days' }))
    expect(onRange).toHaveBeenCalledWith('7d')
  })

  it('explains an empty history (the simulation measures nothing), in Spanish too', () => {
    renderView(
      <PodMetricsView
        history={loadedOf(history([], { all: 'simulated runtime: no measurements' }))}
        range="24h"
        onRange={vi.fn()}
      />,
      { lang: 'es' },
    )
    expect(screen.getByText('No hay mediciones en este periodo')).toBeTruthy()
    expect(screen.getByText('simulated runtime: no measurements')).toBeTruthy()
    expect(screen.getByRole('button', { name: '24 horas' }).getAttribute('aria-pressed')).toBe('true')
  })
})
