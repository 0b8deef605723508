import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { SshInfo, SshKey } from '../../api/types'
import { renderView } from '../../test-helpers/render'
import { actionOf, loadedOf } from '../../test-helpers/view-state'
import { type NewSshKey, SshKeysView, type SshKeysViewProps } from './SshKeysView'

const key: SshKey = {
  id: '00000000-0000-4000-8000-0000000000dd',
  name: 'laptop',
  algorithm: 'ssh-ed25519',
  fingerprint: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
  comment: 'me@laptop',
  createdAt: '2026-01-01T10:00:00.000Z',
  lastUsedAt: '2026-01-02T11:30:00.000Z',
}
const info: SshInfo = {
  enabled: true,
  host: 'pods.example.edu',
  port: 2222,
  hostKeyFingerprint: 'SHA256:hostKeyFingerprintAAAAAAAAAAAAAAAAAAAAAAAAAA',
  hostKeyAlgorithm: 'ssh-ed25519',
}
const off: SshInfo = {
  enabled: false,
  host: null,
  port: null,
  hostKeyFingerprint: null,
  hostKeyAlgorithm: null,
}

function props(overrides: Partial<SshKeysViewProps> = {}): SshKeysViewProps {
  return {
    keys: loadedOf([key]),
    info: loadedOf(info),
    add: actionOf<NewSshKey>(),
    remove: actionOf<string>(),
    ...overrides,
  }
}

describe('SshKeysView', () => {
  it('lists keys with type, fingerprint, added and last used, and shows the gateway command and host key', () => {
    renderView(<SshKeysView {...props()} />)
    const section = screen.getByRole('region', { name: 'SSH keys' })
    const row = within(section).getByText('laptop').closest('tr')!
    expect(within(row).getByText('ssh-ed25519')).toBeTruthy()
    expect(within(row).getByText(key.fingerprint)).toBeTruthy()
    expect(row.textContent).toContain('2026')
    expect(within(row).queryByText('Never')).toBeNull()
    expect(within(section).getByText('ssh <pod>@pods.example.edu -p 2222')).toBeTruthy()
    expect(screen.getByTestId('ssh-host-key').textContent).toBe(`ssh-ed25519 ${info.hostKeyFingerprint}`)
  })

  it('adds a pasted key with an optional name and clears the form once the server accepts it', async () => {
    const add = actionOf<NewSshKey>()
    renderView(<SshKeysView {...props({ add })} />)
    const button = screen.getByRole('button', { name: 'Add key' }) as HTMLButtonElement
    expect(button.disabled).toBe(true)
    fireEvent.change(screen.getByLabelText('Public key'), {
      target: { value: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB me@laptop\n' },
    })
    fireEvent.click(button)
    expect(add.run).toHaveBeenCalledWith({ publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB me@laptop' })
    await waitFor(() => expect((screen.getByLabelText('Public key') as HTMLTextAreaElement).value).toBe(''))
    fireEvent.change(screen.getByLabelText('Public key'), { target: { value: 'ssh-rsa AAAA' } })
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: ' desktop ' } })
    fireEvent.click(button)
    expect(add.run).toHaveBeenLastCalledWith({ publicKey: 'ssh-rsa AAAA', name: 'desktop' })
  })

  it('shows why the server refused a key beside the field, and keeps what was pasted', () => {
    renderView(
      <SshKeysView
        {...props({
          add: actionOf<NewSshKey>({ error: 'RSA keys need at least 2048 bits (this one has 1024)' }),
        })}
      />,
    )
    const field = screen.getByLabelText('Public key')
    expect(field.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText('RSA keys need at least 2048 bits (this one has 1024)')).toBeTruthy()
  })

  it('deletes a key only after confirmation', () => {
    const remove = actionOf<string>()
    renderView(<SshKeysView {...props({ remove })} />)
    fireEvent.click(screen.getByRole('button', { name: 'Delete SSH key laptop' }))
    const dialog = screen.getByRole('dialog', { name: 'Delete SSH key "laptop"?' })
    expect(remove.run).not.toHaveBeenCalled()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }))
    expect(remove.run).toHaveBeenCalledWith(key.id)
  })

  it('says when there are no keys and when the gateway is off', () => {
    renderView(<SshKeysView {...props({ keys: loadedOf<SshKey[]>([]), info: loadedOf(off) })} />)
    expect(screen.getByText('No SSH keys yet.')).toBeTruthy()
    expect(screen.getByText(/The SSH gateway is off on this server/)).toBeTruthy()
    expect(screen.queryByTestId('ssh-host-key')).toBeNull()
  })

  it('speaks Spanish', () => {
    renderView(<SshKeysView {...props()} />, { lang: 'es' })
    expect(screen.getByRole('region', { name: 'Claves SSH' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Añadir clave' })).toBeTruthy()
    expect(screen.getByText('Huella')).toBeTruthy()
  })
})
