import { Link } from 'react-router'
import type { Pricing } from '../../api/types'
import { Badge } from '../../components/Feedback'
import { useT } from '../../i18n'
import { money } from '../../lib/format'

export type PublicPricing = Omit<Pricing, 'updatedAt' | 'updatedBy' | 'updatedByEmail'>

/** Prices exactly as the catalog has them; nothing here is hard-coded marketing copy. */
export function PricingView({ pricing }: { pricing: PublicPricing }) {
  const { t, locale } = useT()
  const gpus = Object.entries(pricing.gpus).sort(([, a], [, b]) => a.price - b.price)
  return (
    <div className="stack" style={{ gap: '1.5rem' }}>
      <div className="grid">
        {gpus.map(([id, gpu]) => (
          <article key={id} className="card stack" data-gpu={id}>
            <div className="card-title">
              <h3 style={{ margin: 0 }}>{gpu.name}</h3>
              {gpu.available ? (
                <Badge tone="ok">{t('deploy.gpu.available')}</Badge>
              ) : (
                <Badge>{t('deploy.gpu.unavailable')}</Badge>
              )}
            </div>
            <div className="kpi-value">
              {money(gpu.price, locale)} <span className="small muted">{t('common.perHour')}</span>
            </div>
            <ul className="small" style={{ margin: 0, paddingLeft: '1.1rem' }}>
              {gpu.specs.memory && <li>{gpu.specs.memory}</li>}
              {gpu.specs.cores > 0 && (
                <li>{t('deploy.gpu.cores', { cores: gpu.specs.cores.toLocaleString(locale) })}</li>
              )}
              {gpu.specs.performance && <li>{gpu.specs.performance}</li>}
            </ul>
            {gpu.available ? (
              <Link className="btn btn-primary" to="/signup">
                {t('pricing.choose')}
              </Link>
            ) : (
              <button type="button" className="btn" disabled>
                {t('deploy.gpu.unavailable')}
              </button>
            )}
          </article>
        ))}
      </div>
      <section className="card">
        <h2>{t('pricing.more')}</h2>
        <ul>
          <li>
            {t('pricing.container', {
              price: money(pricing.storage.containerDisk.price, locale, { precise: true }),
            })}
          </li>
          <li>
            {t('pricing.volume', {
              price: money(pricing.storage.volumeDisk.price, locale, { precise: true }),
            })}
          </li>
          <li>
            {t('pricing.limits', {
              container: pricing.limits.containerDiskMax,
              volume: pricing.limits.volumeDiskMax,
              ports: pricing.limits.portsMax,
            })}
          </li>
          <li>{t('pricing.perSecond')}</li>
          {pricing.freeTier.enabled && pricing.freeTier.initialBalance > 0 && (
            <li>
              <strong>
                {t('pricing.freeTier', { amount: money(pricing.freeTier.initialBalance, locale) })}
              </strong>
            </li>
          )}
        </ul>
      </section>
    </div>
  )
}
