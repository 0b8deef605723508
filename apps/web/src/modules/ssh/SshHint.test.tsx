import { screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { SshInfo } from '../../api/types'
import { mockPod } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { SshHintView } from './SshHint'

const info: SshInfo = {
  enabled: true,
  host: 'pods.example.edu',
  port: 2222,
  hostKeyFingerprint: 'SHA256:abc',
  hostKeyAlgorithm: 'ssh-ed25519',
}

describe('SshHintView', () => {
  it('shows the exact ssh command for the pod', () => {
    const pod = mockPod({ podId: 'a1b2c3d4e5f60718' })
    renderView(<SshHintView info={info} pod={pod} />)
    expect(screen.getByText('Connect via SSH')).toBeTruthy()
    expect(screen.getByText('ssh a1b2c3d4e5f60718@pods.example.edu -p 2222')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Copy the ssh command' })).toBeTruthy()
  })

  it('shows nothing while the gateway is off or unknown', () => {
    const pod = mockPod()
    const { container } = renderView(<SshHintView info={{ ...info, enabled: false }} pod={pod} />)
    expect(container.querySelector('[data-testid="ssh-hint"]')).toBeNull()
    renderView(<SshHintView info={undefined} pod={pod} />)
    expect(screen.queryByTestId('ssh-hint')).toBeNull()
  })
})
