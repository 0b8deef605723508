import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { mockPod } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { ConnectView } from './ConnectDialog'

describe('ConnectView', () => {
  it('lists each service with readiness, its URL, Open only when ready, and the access toggle', () => {
    const onAccess = vi.fn()
    const pod = mockPod({
      httpServices: [
        { ...mockPod().httpServices[0]! },
        {
          port: 7860,
          serviceName: 'Gradio',
          url: 'http://k3x9q2m7aa-7860.localhost:3000/',
          isCustom: true,
          status: 'error',
          statusReason: 'No answer on port 7860 after 120 s',
          access: 'public',
          jupyter: false,
        },
      ],
      tcpServices: [
        {
          port: 22,
          serviceName: 'SSH',
          url: 'tcp://10.0.0.5:30022',
          host: '10.0.0.5',
          hostPort: 30022,
          isCustom: false,
          status: 'ready',
        },
      ],
    })
    renderView(<ConnectView pod={pod} onAccess={onAccess} pendingPort={null} />)
    expect((screen.getByLabelText('URL of Jupyter Lab') as HTMLInputElement).value).toBe(
      'http://k3x9q2m7aa-8888.localhost:3000/',
    )
    const open = screen.getAllByText('Open')
    expect(open[0]!.tagName).toBe('A')
    expect(open[0]!.getAttribute('href')).toBe('http://k3x9q2m7aa-8888.localhost:3000/')
    expect((open[1] as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByText('No answer on port 7860 after 120 s')).toBeTruthy()
    expect(screen.getByText('Opens signed in')).toBeTruthy()
    expect(screen.getByText('ssh -p 30022 root@10.0.0.5')).toBeTruthy()
    // Making the public Gradio port private needs no confirmation.
    const gradio = screen.getByRole('group', { name: 'Who can open Gradio' })
    expect((within(gradio).getByRole('radio', { name: /Public/ }) as HTMLInputElement).checked).toBe(true)
    fireEvent.click(within(gradio).getByRole('radio', { name: /Private/ }))
    expect(onAccess).toHaveBeenCalledWith(7860, 'private')
  })

  it('publishes a port only after a warning is confirmed', () => {
    const onAccess = vi.fn()
    renderView(<ConnectView pod={mockPod()} onAccess={onAccess} pendingPort={null} />)
    const jupyter = screen.getByRole('group', { name: 'Who can open Jupyter Lab' })
    const privateRadio = within(jupyter).getByRole('radio', { name: /Private: only you/ }) as HTMLInputElement
    expect(privateRadio.checked).toBe(true)
    fireEvent.click(within(jupyter).getByRole('radio', { name: /Public: anyone/ }))
    expect(onAccess).not.toHaveBeenCalled()
    expect(
      within(jupyter).getByText(/Anyone with this URL will open Jupyter Lab without signing in/),
    ).toBeTruthy()
    fireEvent.click(within(jupyter).getByRole('button', { name: 'Cancel' }))
    expect(privateRadio.checked).toBe(true)
    expect(onAccess).not.toHaveBeenCalled()
    fireEvent.click(within(jupyter).getByRole('radio', { name: /Public: anyone/ }))
    fireEvent.click(within(jupyter).getByRole('button', { name: 'Make it public' }))
    expect(onAccess).toHaveBeenCalledWith(8888, 'public')
  })

  it('says why nothing opens while the pod is stopped', () => {
    renderView(<ConnectView pod={mockPod({ status: 'stopped' })} onAccess={vi.fn()} pendingPort={null} />)
    expect(screen.getByText(/The pod is not running/)).toBeTruthy()
  })
})
