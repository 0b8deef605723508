import { fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { Pod, PodEvent } from '../../api/types'
import { type Lang, translate } from '../../i18n'
import { mockPod } from '../../test-helpers/entities'
import { renderView } from '../../test-helpers/render'
import { loadedOf } from '../../test-helpers/view-state'
import { PodEventsView } from './PodEventsView'
import { PodPageView, type PodPageViewProps } from './PodPageView'
import { podTabs } from './pod-tabs'

const now = new Date('2026-01-01T11:02:05.000Z').getTime()

function event(id: number, reason: string, message: string, type: PodEvent['type'] = 'normal'): PodEvent {
  return {
    id,
    podId: 'a1b2c3d4e5f60718',
    at: `2026-01-01T10:00:0${id}.000Z`,
    type,
    reason,
    message,
    progress: null,
  }
}

const tabsFor = (pod: Pod, lang: Lang = 'en', showOwner = false) =>
  podTabs({ pod, showOwner, events: loadedOf<PodEvent[]>([]) }, (key) => translate(lang, key))

function props(overrides: Partial<PodPageViewProps> = {}): PodPageViewProps {
  const pod = overrides.pod ?? mockPod({ lastActive: '2026-01-01T10:57:05.000Z' })
  return {
    pod,
    now,
    back: { to: '/pods', label: 'My pods' },
    tabs: tabsFor(pod),
    tab: 'overview',
    onTab: vi.fn(),
    controls: {
      pending: null,
      onConnect: vi.fn(),
      onLogs: vi.fn(),
      onStart: vi.fn(),
      onStop: vi.fn(),
      onDelete: vi.fn(),
    },
    ...overrides,
  }
}

describe('PodPageView', () => {
  it('shows what the pod is doing and costing now, when it was last used, and its actions', () => {
    const p = props()
    renderView(<PodPageView {...p} />)
    expect(screen.getByRole('heading', { level: 1, name: 'notebook' })).toBeTruthy()
    const glance = screen.getByRole('region', { name: 'At a glance' })
    expect(screen.getByTestId('pod-status').textContent).toBe('Running')
    expect(within(glance).getByText('RTX 4050')).toBeTruthy()
    // The server's figure, not one computed here.
    expect(within(glance).getByText('€5.00')).toBeTruthy()
    expect(within(glance).getByText('compute €3.00 · storage €2.00')).toBeTruthy()
    expect(within(glance).getByText('1 h 02 min')).toBeTruthy()
    const lastActive = within(glance).getByText('5 minutes ago')
    expect(lastActive.getAttribute('datetime')).toBe('2026-01-01T10:57:05.000Z')
    expect(screen.getByRole('link', { name: 'My pods' }).getAttribute('href')).toBe('/pods')
    expect(screen.queryByRole('button', { name: 'Start' })).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    expect(p.controls.onStop).toHaveBeenCalled()
    fireEvent.click(screen.getByRole('button', { name: 'Connect' }))
    expect(p.controls.onConnect).toHaveBeenCalled()
  })

  it('lists the connections with readiness and access, and TCP addresses', () => {
    const pod = mockPod({
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
    renderView(<PodPageView {...props({ pod, tabs: tabsFor(pod, 'en', true) })} />)
    const connections = screen.getByRole('region', { name: 'Connections' })
    const jupyter = within(connections).getByRole('link', { name: 'http://k3x9q2m7aa-8888.localhost:3000/' })
    expect(jupyter.getAttribute('target')).toBe('_blank')
    const http = connections.querySelector<HTMLElement>('[data-port="8888"]')!
    expect(within(http).getByText('Ready')).toBeTruthy()
    expect(within(http).getByText('Private')).toBeTruthy()
    const ssh = connections.querySelector<HTMLElement>('[data-port="22"]')!
    expect(within(ssh).getByText('10.0.0.5:30022')).toBeTruthy()
    const details = screen.getByRole('region', { name: 'Details' })
    expect(within(details).getByText('alice@example.com')).toBeTruthy()
    expect(within(details).getByText('Jupyter Lab')).toBeTruthy()
  })

  it('explains a failure with its exit code, offers a start, and says when it was never opened', () => {
    const pod = mockPod({
      status: 'error',
      statusReason: 'Exited with code 137 (OOM-killed)',
      exitCode: 137,
      startedAt: null,
      lastActive: null,
    })
    renderView(<PodPageView {...props({ pod })} />)
    expect(screen.getByRole('alert').textContent).toBe('Exited with code 137 (OOM-killed) · Exit code 137')
    expect(screen.getByRole('button', { name: 'Start' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull()
    expect(screen.getByText('Not opened yet')).toBeTruthy()
  })

  it('switches sections with a click or the arrow keys, one tab stop for the list', () => {
    const onTab = vi.fn()
    renderView(<PodPageView {...props({ onTab })} />)
    const tabs = screen.getAllByRole('tab')
    expect(tabs.map((tab) => tab.textContent)).toEqual([
      'Overview',
      'Events',
      'Logs',
      'Terminal',
      'Metrics',
      'Auto-stop',
    ])
    expect(tabs.map((tab) => tab.tabIndex)).toEqual([0, -1, -1, -1, -1, -1])
    expect(screen.getByRole('tabpanel', { name: 'Overview' })).toBeTruthy()
    fireEvent.click(screen.getByRole('tab', { name: 'Logs' }))
    expect(onTab).toHaveBeenLastCalledWith('logs')
    fireEvent.keyDown(tabs[0]!, { key: 'ArrowLeft' })
    expect(onTab).toHaveBeenLastCalledWith('auto-stop')
    fireEvent.keyDown(tabs[0]!, { key: 'ArrowRight' })
    expect(onTab).toHaveBeenLastCalledWith('events')
  })

  it('speaks Spanish', () => {
    const pod = mockPod({ lastActive: '2026-01-01T10:57:05.000Z' })
    renderView(<PodPageView {...props({ pod, tabs: tabsFor(pod, 'es') })} />, { lang: 'es' })
    expect(screen.getByText('Coste por hora ahora')).toBeTruthy()
    expect(screen.getByText('hace 5 minutos')).toBeTruthy()
    expect(screen.getByRole('tab', { name: 'Eventos' })).toBeTruthy()
  })
})

describe('PodEventsView', () => {
  it('shows the lifecycle newest first, warnings marked', () => {
    renderView(
      <PodEventsView
        events={loadedOf([
          event(1, 'Created', 'Pod requested'),
          event(2, 'Pulling', 'Pulling image'),
          event(3, 'BackOff', 'Restarting', 'warning'),
        ])}
      />,
    )
    const items = screen.getAllByRole('listitem')
    expect(items.map((li) => li.querySelector('strong')?.textContent)).toEqual([
      'BackOff',
      'Pulling',
      'Created',
    ])
    expect(items[0]!.className).toBe('warning')
  })

  it('says when there are none yet, and why they failed to load', () => {
    const { unmount } = renderView(<PodEventsView events={loadedOf<PodEvent[]>([])} />)
    expect(screen.getByText('No events yet.')).toBeTruthy()
    unmount()
    renderView(<PodEventsView events={loadedOf<PodEvent[]>(undefined, 'Forbidden')} />)
    expect(screen.getByRole('alert').textContent).toContain('Forbidden')
  })
})
