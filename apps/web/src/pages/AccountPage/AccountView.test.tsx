import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { ApiKeyInfo, BillingSummaryInfo, LedgerEntryInfo, Page, UsageReport } from '../../api/types'
import { mockUser } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { actionOf, loadedOf } from '../../test-helpers/view-state'
import { AccountView, type AccountViewProps } from './AccountView'

const summary: BillingSummaryInfo = {
  balance: 7.5,
  unlimited: false,
  burnRatePerHour: 2.5,
  hoursLeft: 3,
  runningPods: 1,
  lowBalanceThresholdHours: 1,
  spentLast30Days: 12.25,
}
const days = ['2026-01-01', '2026-01-02', '2026-01-03']
const usage: UsageReport = {
  from: days[0]!,
  to: days[2]!,
  total: 4,
  rows: [],
  byDay: [{ day: '2026-01-02', amount: 4 }],
  byVolume: [],
  byPod: [
    { podId: 'a1b2c3d4e5f60718', podName: 'notebook', gpu: 'rtx-4050', amount: 4, computeSeconds: 5400 },
  ],
}
const entry: LedgerEntryInfo = {
  id: 1,
  userId: '00000000-0000-4000-8000-000000000001',
  type: 'credit',
  amount: 5,
  balanceAfter: 15,
  reason: 'Course credit',
  actorId: null,
  actorEmail: 'admin@example.com',
  podId: null,
  podName: null,
  periodStart: null,
  periodEnd: null,
  createdAt: '2026-01-02T10:00:00.000Z',
}
const key: ApiKeyInfo = {
  id: '00000000-0000-4000-8000-0000000000cc',
  name: 'laptop',
  prefix: 'npk_ab12',
  createdAt: '2026-01-01T10:00:00.000Z',
  lastUsedAt: null,
}
const ledgerPage = (data: LedgerEntryInfo[]): Page<LedgerEntryInfo> => ({
  count: data.length,
  total: data.length,
  page: 1,
  limit: 20,
  data,
})

function props(overrides: Partial<AccountViewProps> = {}): AccountViewProps {
  return {
    me: mockUser({ balance: 7.5 }),
    summary: loadedOf(summary),
    usage: { days, onDays: vi.fn(), usage: loadedOf(usage) },
    ledger: { filter: { page: 1, limit: 20 }, onFilter: vi.fn(), ledger: loadedOf(ledgerPage([entry])) },
    keys: {
      keys: loadedOf([key]),
      create: actionOf(),
      created: null,
      onCreatedSaved: vi.fn(),
      revoke: actionOf(),
    },
    ssh: {
      keys: loadedOf([]),
      info: loadedOf({
        enabled: false,
        host: null,
        port: null,
        hostKeyFingerprint: null,
        hostKeyAlgorithm: null,
      }),
      add: actionOf(),
      remove: actionOf(),
    },
    profile: { saveProfile: actionOf(), changePassword: actionOf() },
    ...overrides,
  }
}

describe('AccountView', () => {
  it('shows the balance, what accrues and for how long, usage per day and pod, and the ledger', () => {
    renderView(<AccountView {...props()} />)
    expect(screen.getByTestId('account-balance').textContent).toBe('€7.50')
    expect(screen.getByText('3 h 00 min')).toBeTruthy()
    expect(screen.getByText('€12.25')).toBeTruthy()
    const chart = screen.getByRole('img', { name: 'Charged per day, last 3 days' })
    expect(chart).toBeTruthy()
    const usageSection = screen.getByRole('region', { name: 'Usage' })
    expect(within(usageSection).getByText('1 h 30 min')).toBeTruthy()
    const ledger = screen.getByRole('region', { name: 'Ledger' })
    expect(within(ledger).getByText('+€5.00')).toBeTruthy()
    expect(within(ledger).getByText(/Course credit · admin@example.com/)).toBeTruthy()
  })

  it('filters the ledger by type from the first page', () => {
    const p = props()
    renderView(<AccountView {...p} />)
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'usage' } })
    expect(p.ledger?.onFilter).toHaveBeenCalledWith({ page: 1, limit: 20, type: 'usage' })
  })

  it('says what failed per section and keeps the rest of the page usable', () => {
    renderView(
      <AccountView
        {...props({
          summary: loadedOf<BillingSummaryInfo>(undefined, 'Summary unavailable'),
          ledger: {
            filter: { page: 1, limit: 20 },
            onFilter: vi.fn(),
            ledger: loadedOf(ledgerPage([])),
          },
          keys: { ...props().keys, keys: loadedOf<ApiKeyInfo[]>(undefined) },
        })}
      />,
    )
    expect(screen.getByRole('alert').textContent).toContain('Summary unavailable')
    expect(screen.getByText('No entries yet.')).toBeTruthy()
    const keys = screen.getByRole('region', { name: 'API keys' })
    expect(within(keys).getByRole('status').textContent).toBe('Loading…')
    expect(screen.getByRole('region', { name: 'Usage' })).toBeTruthy()
  })

  it('hides usage and the ledger from an account that is not metered', () => {
    renderView(
      <AccountView
        {...props({ me: mockUser({ balance: 'Infinity', unlimited: true }), usage: null, ledger: null })}
      />,
    )
    expect(screen.getByText('∞')).toBeTruthy()
    expect(screen.queryByRole('region', { name: 'Usage' })).toBeNull()
    expect(screen.queryByRole('region', { name: 'Ledger' })).toBeNull()
  })

  it('creates a key, shows it once, and revokes only after confirmation', async () => {
    const create = actionOf<string>()
    const revoke = actionOf<string>()
    renderView(<AccountView {...props({ keys: { ...props().keys, create, revoke } })} />)
    fireEvent.change(screen.getByLabelText('Key name'), { target: { value: ' ci ' } })
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }))
    expect(create.run).toHaveBeenCalledWith('ci')
    await waitFor(() => expect((screen.getByLabelText('Key name') as HTMLInputElement).value).toBe(''))
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key laptop' }))
    const dialog = screen.getByRole('dialog', { name: 'Revoke "laptop"?' })
    expect(revoke.run).not.toHaveBeenCalled()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke' }))
    expect(revoke.run).toHaveBeenCalledWith(key.id)
  })

  it('shows a refused revocation in its dialog, and the new key until it is saved', () => {
    const onCreatedSaved = vi.fn()
    renderView(
      <AccountView
        {...props({
          keys: {
            ...props().keys,
            created: { ...key, key: 'npk_secret' },
            onCreatedSaved,
            revoke: actionOf({ error: 'API key not found' }),
          },
        })}
      />,
    )
    expect((screen.getByLabelText('New API key') as HTMLInputElement).value).toBe('npk_secret')
    fireEvent.click(screen.getByRole('button', { name: 'I have saved it' }))
    expect(onCreatedSaved).toHaveBeenCalled()
    fireEvent.click(screen.getByRole('button', { name: 'Revoke key laptop' }))
    expect(within(screen.getByRole('dialog')).getByRole('alert').textContent).toBe('API key not found')
  })

  it('puts the server’s password problems beside the fields', () => {
    renderView(
      <AccountView
        {...props({
          profile: {
            saveProfile: actionOf(),
            changePassword: actionOf({
              error: 'Invalid request',
              fieldErrors: { currentPassword: ['The current password is wrong'] },
            }),
          },
        })}
      />,
    )
    const current = screen.getByLabelText('Current password')
    expect(current.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText('The current password is wrong')).toBeTruthy()
    // The field says it; no second, general alert.
    expect(screen.queryByText('Invalid request')).toBeNull()
  })
})
