import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { Volume } from '../../api/types'
import { renderView } from '../../test-helpers/render'
import { actionOf, loadedOf } from '../../test-helpers/view-state'
import { type VolumeChange, VolumesView, type VolumesViewProps } from './VolumesView'

const volume = (overrides: Partial<Volume> = {}): Volume => ({
  volumeId: 'a1b2c3d4e5f60718',
  name: 'datasets',
  userId: '00000000-0000-4000-8000-0000000000aa',
  userEmail: 'ana@example.edu',
  sizeGb: 30,
  mountPath: '/workspace',
  status: 'ready',
  runtime: 'docker',
  usedBytes: 2_500_000_000,
  usageNote: null,
  resize: 'recorded',
  attachedPod: { podId: 'ffeeddccbbaa9988', podName: 'training', status: 'running' },
  costPerHour: 0.00411,
  metered: true,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...overrides,
})

function props(overrides: Partial<VolumesViewProps> = {}): VolumesViewProps {
  return {
    volumes: loadedOf([
      volume(),
      volume({
        volumeId: '0011223344556677',
        name: 'kept',
        attachedPod: null,
        usedBytes: null,
        usageNote: 'Not measured',
      }),
    ]),
    create: actionOf<{ name: string; size: number }>(),
    update: actionOf<VolumeChange>(),
    remove: actionOf<string>(),
    ...overrides,
  }
}

describe('VolumesView', () => {
  it('lists volumes with size, used bytes, the attached pod and the cost per hour', () => {
    renderView(<VolumesView {...props()} />)
    const row = screen.getByText('datasets').closest('tr')!
    expect(within(row).getByText('30 GB')).toBeTruthy()
    expect(within(row).getByText('2.5 GB')).toBeTruthy()
    expect(within(row).getByText('training')).toBeTruthy()
    expect(row.textContent).toContain('0.0041')
    const kept = screen.getByText('kept').closest('tr')!
    expect(within(kept).getByText('Not attached')).toBeTruthy()
    expect(within(kept).getByText('–')).toBeTruthy()
  })

  it('creates a volume of N GB', async () => {
    const create = actionOf<{ name: string; size: number }>()
    renderView(<VolumesView {...props({ create })} />)
    fireEvent.change(screen.getAllByLabelText('Name')[0]!, { target: { value: 'models' } })
    fireEvent.change(screen.getAllByLabelText('Size (GB)')[0]!, { target: { value: '50' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create volume' }))
    await waitFor(() => expect(create.run).toHaveBeenCalledWith({ name: 'models', size: 50 }))
  })

  it('renames and grows a volume, sending only what changed', async () => {
    const update = actionOf<VolumeChange>()
    renderView(<VolumesView {...props({ update })} />)
    fireEvent.click(screen.getByRole('button', { name: 'Rename or grow datasets' }))
    const dialog = screen.getByRole('dialog')
    fireEvent.change(within(dialog).getByLabelText(/Size \(GB\)/), { target: { value: '40' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(update.run).toHaveBeenCalledWith({ volumeId: 'a1b2c3d4e5f60718', size: 40 }))
  })

  it("shows the server's 409 when a volume cannot be deleted because a pod holds it", () => {
    const message =
      'The volume is attached to pod "training"; delete that pod (keeping or removing the volume) first'
    renderView(<VolumesView {...props({ remove: actionOf<string>({ error: message }) })} />)
    fireEvent.click(screen.getByRole('button', { name: 'Delete datasets' }))
    const dialog = screen.getByRole('dialog')
    expect(within(dialog).getByText(message)).toBeTruthy()
  })

  it('opens the files dialog of a volume', () => {
    renderView(<VolumesView {...props()} />)
    fireEvent.click(screen.getByRole('button', { name: 'Files of datasets' }))
    const dialog = screen.getByRole('dialog')
    expect(within(dialog).getByRole('heading', { name: 'Files of volume datasets' })).toBeTruthy()
    expect(within(dialog).getByRole('button', { name: 'Download as tar' })).toBeTruthy()
  })

  it('speaks Spanish', () => {
    renderView(<VolumesView {...props()} />, { lang: 'es' })
    expect(screen.getByRole('heading', { name: 'Volúmenes' })).toBeTruthy()
    expect(screen.getByText('Sin conectar')).toBeTruthy()
  })
})
