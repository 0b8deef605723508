import { useQuery } from '@tanstack/react-query'
import { publicStatusQuery } from '../api/queries/status'
import { useT } from '../i18n'

/** Says plainly when no real containers run, so nobody mistakes the simulation for their workload. */
export function SimulationBanner() {
  const { t } = useT()
  const { data } = useQuery(publicStatusQuery())
  if (!data?.runtime.simulated) return null
  return (
    <div
      className="alert alert-warn"
      role="status"
      style={{ marginBottom: '1rem' }}
      data-testid="simulation-banner"
    >
      <strong>{t('sim.title')}</strong> {t('sim.body')}
    </div>
  )
}
