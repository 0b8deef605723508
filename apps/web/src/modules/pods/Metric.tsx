import type { ReactNode } from 'react'
import type { Pod } from '../../api/types'
import { useT } from '../../i18n'
import { money } from '../../lib/format'

/** One figure of a pod (uptime, usage, cost) with its label and an optional line below. */
export function Metric({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="metric">
      <div className="kpi-label">{label}</div>
      <div className="value">{value}</div>
      {sub && <div className="small muted">{sub}</div>}
    </div>
  )
}

/** The server's hourly figure for the pod and what it is made of; admins' pods are not metered. */
export function CostPerHourMetric({ pod, label }: { pod: Pod; label: string }) {
  const { t, locale } = useT()
  return (
    <Metric
      label={label}
      value={pod.metered ? money(pod.costPerHour, locale, { precise: true }) : t('pod.notMetered')}
      sub={
        pod.metered
          ? t('pod.costSplit', {
              compute: money(pod.computeCostPerHour, locale, { precise: true }),
              storage: money(pod.storageCostPerHour, locale, { precise: true }),
            })
          : undefined
      }
    />
  )
}
