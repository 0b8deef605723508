import type { Pod, PodEvent } from '../../api/types'
import type { Loaded } from '../../api/view-state'
import type { Tab } from '../../components/Tabs'
import type { MessageKey } from '../../i18n'
import { LogViewer } from '../../modules/pods/LogsDialog'
import { PodTerminal } from '../../modules/terminal/PodTerminal'
import { PodAutoStop } from './PodAutoStop'
import { PodEventsView } from './PodEventsView'
import { PodMetrics } from './PodMetricsView'
import { PodOverview } from './PodOverview'

export interface PodTabContext {
  pod: Pod
  showOwner: boolean
  events: Loaded<PodEvent[]>
}

/**
 * The sections of a pod's page, in order. A feature with its own view of a pod (a terminal,
 * metrics, the volume) adds its tab here; a tab's content runs only while it is shown.
 */
export function podTabs({ pod, showOwner, events }: PodTabContext, t: (key: MessageKey) => string): Tab[] {
  return [
    {
      id: 'overview',
      label: t('podPage.tab.overview'),
      render: () => <PodOverview pod={pod} showOwner={showOwner} />,
    },
    { id: 'events', label: t('podPage.tab.events'), render: () => <PodEventsView events={events} /> },
    { id: 'logs', label: t('podPage.tab.logs'), render: () => <LogViewer pod={pod} /> },
    { id: 'terminal', label: t('podPage.tab.terminal'), render: () => <PodTerminal pod={pod} /> },
    { id: 'metrics', label: t('podPage.tab.metrics'), render: () => <PodMetrics pod={pod} /> },
    { id: 'auto-stop', label: t('podPage.tab.autoStop'), render: () => <PodAutoStop pod={pod} /> },
  ]
}
