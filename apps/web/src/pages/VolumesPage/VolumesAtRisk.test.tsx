import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { VolumeAtRisk } from '../../api/types'
import { renderView } from '../../test-helpers/render'
import { loadedOf } from '../../test-helpers/view-state'
import { VolumesAtRisk } from './VolumesAtRisk'

const risky: VolumeAtRisk = {
  volume: {
    volumeId: 'a1b2c3d4e5f60718',
    name: 'thesis',
    userId: '00000000-0000-4000-8000-0000000000aa',
    userEmail: 'ana@example.edu',
    sizeGb: 30,
    mountPath: '/workspace',
    status: 'ready',
    runtime: 'docker',
    usedBytes: null,
    usageNote: null,
    resize: 'recorded',
    attachedPod: null,
    costPerHour: 3,
    metered: true,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T10:00:00.000Z',
  },
  balance: -4.5,
  negativeSince: '2026-01-02T10:00:00.000Z',
}

describe('VolumesAtRisk', () => {
  it('lists each volume at risk with its owner, balance, negative-since and cost', () => {
    renderView(<VolumesAtRisk atRisk={loadedOf([risky])} />)
    const section = screen.getByRole('region', { name: 'Volumes at risk' })
    expect(within(section).getByText(/nothing is deleted automatically/)).toBeTruthy()
    const row = section.querySelector('tr[data-volume="a1b2c3d4e5f60718"]') as HTMLElement
    expect(row).toBeTruthy()
    expect(within(row).getByText('thesis')).toBeTruthy()
    expect(within(row).getByText('30 GB')).toBeTruthy()
    expect(within(row).getByText('ana@example.edu')).toBeTruthy()
    expect(row.textContent).toMatch(/4[.,]5/)
    expect(row.querySelector('time')?.getAttribute('dateTime')).toBe('2026-01-02T10:00:00.000Z')
  })

  it('says so when none are at risk, in Spanish too', () => {
    renderView(<VolumesAtRisk atRisk={loadedOf([])} />, { lang: 'es' })
    expect(screen.getByRole('heading', { name: 'Volúmenes en riesgo' })).toBeTruthy()
    expect(screen.getByText('No hay volúmenes en riesgo')).toBeTruthy()
  })
})
