import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { mockPod } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { DeletePodDialog } from './DeletePodDialog'

describe('DeletePodDialog', () => {
  const pod = mockPod({ podName: 'training', volumeDiskSize: 30, volumePath: '/workspace' })

  it('keeps the volume unless the user ticks the box', () => {
    const onConfirm = vi.fn()
    renderView(
      <DeletePodDialog
        pod={pod}
        open
        showOwner={false}
        pending={false}
        onConfirm={onConfirm}
        onCancel={vi.fn()}
      />,
    )
    const dialog = screen.getByRole('dialog')
    const box = within(dialog).getByRole('checkbox', { name: /Also delete its 30 GB volume at \/workspace/ })
    expect((box as HTMLInputElement).checked).toBe(false)
    expect(within(dialog).getByText(/The volume is kept/)).toBeTruthy()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }))
    expect(onConfirm).toHaveBeenLastCalledWith(false)
    fireEvent.click(box)
    expect(within(dialog).queryByText(/The volume is kept/)).toBeNull()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }))
    expect(onConfirm).toHaveBeenLastCalledWith(true)
  })

  it('asks in Spanish', () => {
    renderView(
      <DeletePodDialog
        pod={pod}
        open
        showOwner={false}
        pending={false}
        onConfirm={vi.fn()}
        onCancel={vi.fn()}
      />,
      {
        lang: 'es',
      },
    )
    expect(screen.getByRole('checkbox', { name: /Eliminar también su volumen de 30 GB/ })).toBeTruthy()
  })
})
