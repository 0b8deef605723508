import type { PodStatus } from '../../api/types'
import { Badge } from '../../components/Feedback'
import { useT } from '../../i18n'
import { isTransitional, statusTone } from './status'

export function StatusBadge({ status }: { status: PodStatus }) {
  const { t } = useT()
  return (
    <Badge tone={statusTone(status)} dot pulse={isTransitional(status)}>
      {t(`pod.status.${status}`)}
    </Badge>
  )
}
