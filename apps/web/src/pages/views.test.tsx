import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { mockGpus, mockPod, mockPricing, mockTemplate, mockUser } from '../test-helpers/entities'
import { renderView } from '../test-helpers/render'
import { AdminDashboardView } from './AdminDashboardPage/AdminDashboardPage'
import { DeployPageView, type DeployPageViewProps } from './DeployPage/DeployPageView'
import { applyTemplate, initialForm } from './DeployPage/deploy-form'
import { PodsPageView } from './PodsPage/PodsPage'
import { PricingView } from './PricingPage/PricingView'

describe('PodsPageView', () => {
  it('offers a deploy when there are no pods, and a retry with the reason when loading failed', () => {
    const onRetry = vi.fn()
    renderView(<PodsPageView me={mockUser()} pods={[]} error={null} onRetry={onRetry} />)
    expect(screen.getByText('You have no pods yet')).toBeTruthy()
    renderView(
      <PodsPageView
        me={mockUser()}
        pods={undefined}
        error="The server cannot be reached."
        onRetry={onRetry}
      />,
    )
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    expect(onRetry).toHaveBeenCalled()
    expect(screen.getByRole('alert').textContent).toContain('The server cannot be reached.')
  })

  it('sums what the pods accrue per hour', () => {
    renderView(
      <PodsPageView
        me={mockUser()}
        pods={[
          mockPod(),
          mockPod({ podId: 'ffffffffffffffff', podName: 'b', status: 'stopped', startedAt: null }),
        ]}
        error={null}
        onRetry={vi.fn()}
      />,
    )
    expect(screen.getByText(/2 pods · 1 running · accruing €7.00/)).toBeTruthy()
  })
})

describe('PricingView', () => {
  it('shows every GPU of the catalog with its price and availability, in Spanish too', () => {
    renderView(<PricingView pricing={mockPricing()} />, { lang: 'es' })
    const card = screen.getByText('RTX 4090').closest('article')!
    expect(within(card as HTMLElement).getByText('No disponible', { selector: 'span' })).toBeTruthy()
    expect(screen.getByText(/2,50/)).toBeTruthy()
    expect(screen.getByText('Las cuentas nuevas empiezan con 10,00 € de crédito')).toBeTruthy()
  })
})

describe('AdminDashboardView', () => {
  it('shows the real figures it is given', () => {
    const stats = {
      users: { total: 12, admins: 2, suspended: 1, online: 5 },
      pods: { total: 7, byStatus: { running: 3, stopped: 4 } },
      gpus: { inUse: 3, byType: { 'rtx-4050': 3 } },
      revenue: { total: 120.5, last30Days: 42, byDay: [{ day: '2026-01-01', amount: 12, credits: 10 }] },
    }
    renderView(
      <AdminDashboardView
        stats={stats}
        system={undefined}
        systemError={null}
        onRetrySystem={vi.fn()}
        days={30}
        onDays={vi.fn()}
      />,
    )
    expect(screen.getByTestId('kpi-users').textContent).toBe('12')
    expect(screen.getByText('3 × rtx-4050')).toBeTruthy()
    expect(screen.getByText('€42.00')).toBeTruthy()
    expect(screen.getByRole('img', { name: 'Usage charged and credits per day' })).toBeTruthy()
  })
})

describe('DeployPageView', () => {
  function props(overrides: Partial<DeployPageViewProps> = {}): DeployPageViewProps {
    const pricing = mockPricing()
    return {
      me: mockUser(),
      form: {
        ...applyTemplate(initialForm(), mockTemplate({ volumeDiskSize: 20 }), pricing.limits),
        gpu: 'rtx-4050',
        name: 'nb',
      },
      onChange: vi.fn(),
      onPickTemplate: vi.fn(),
      pricing,
      gpus: mockGpus(),
      templates: [mockTemplate({ volumeDiskSize: 20, description: '## Ubuntu\nA **plain** machine.' })],
      loadError: null,
      onRetry: vi.fn(),
      burnRate: 0,
      errors: {},
      submitError: null,
      submitting: false,
      onSubmit: vi.fn(),
      ...overrides,
    }
  }

  it('prices the configuration and says how long the balance covers it', () => {
    renderView(<DeployPageView {...props()} />)
    // 2.50 + 10 GB × 0.05 + 20 GB × 0.10
    expect(screen.getByTestId('deploy-cost').textContent).toContain('€5.00')
    expect(screen.getByTestId('deploy-covers').textContent).toContain('2 h 00 min')
    expect(screen.getByText('plain').tagName).toBe('STRONG')
    expect((screen.getByRole('button', { name: /RTX 4090/ }) as HTMLButtonElement).disabled).toBe(true)
  })

  it('offers a free kept volume instead of a new one, and a mount path', () => {
    const onChange = vi.fn()
    const kept = {
      volumeId: 'a1b2c3d4e5f60718',
      name: 'datasets',
      userId: 'u',
      userEmail: 'ana@example.edu',
      sizeGb: 30,
      mountPath: '/workspace',
      status: 'ready' as const,
      runtime: 'simulated',
      usedBytes: null,
      usageNote: null,
      resize: 'recorded' as const,
      attachedPod: null,
      costPerHour: 0.003,
      metered: true,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    }
    const busy = {
      ...kept,
      volumeId: '0011223344556677',
      name: 'busy',
      attachedPod: { podId: 'ffeeddccbbaa9988', podName: 'x', status: 'running' },
    }
    renderView(<DeployPageView {...props({ onChange, volumes: [kept, busy] })} />)
    const select = screen.getByLabelText('Volume') as HTMLSelectElement
    expect([...select.options].map((o) => o.textContent)).toEqual([
      'A new volume (size below)',
      'datasets (30 GB, kept)',
    ])
    fireEvent.change(select, { target: { value: kept.volumeId } })
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ volumeId: kept.volumeId }))
    fireEvent.change(screen.getByLabelText('Mount path'), { target: { value: '/data' } })
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ mountPath: '/data' }))
  })

  it('shows the server’s problems next to their fields', () => {
    renderView(
      <DeployPageView
        {...props({
          errors: { name: ['A pod named "nb" already exists'], ports: ['Port 8888 is listed twice'] },
        })}
      />,
    )
    const name = screen.getByLabelText('Pod name')
    expect(name.getAttribute('aria-invalid')).toBe('true')
    const described = name
      .getAttribute('aria-describedby')!
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent)
      .join(' ')
    expect(described).toContain('A pod named "nb" already exists')
    expect(screen.getByText('Port 8888 is listed twice')).toBeTruthy()
    expect(screen.getByText('Fix 2 problems above before deploying.')).toBeTruthy()
  })

  it('keeps the Jupyter box in step with the ports', () => {
    const p = props()
    renderView(<DeployPageView {...p} />)
    fireEvent.click(screen.getByRole('checkbox', { name: /Jupyter Lab on port 8888/ }))
    expect(p.onChange).toHaveBeenCalledWith(expect.objectContaining({ httpPorts: [8080] }))
  })
})
