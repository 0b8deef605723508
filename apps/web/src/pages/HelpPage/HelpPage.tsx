import { useQuery } from '@tanstack/react-query'
import { publicPricingQuery } from '../../api/queries/pricing'
import { useT } from '../../i18n'
import { money } from '../../lib/format'
import { PublicLayout } from '../../shell/PublicLayout'

const TOPICS = ['deploy', 'connect', 'jupyter', 'data', 'billing', 'logs', 'stuck', 'api'] as const

/** Answers that stay true: prices and limits come from the live catalog, not from the text. */
export function HelpPage() {
  const { t, locale } = useT()
  const pricing = useQuery(publicPricingQuery())
  const vars = pricing.data
    ? {
        container: money(pricing.data.storage.containerDisk.price, locale, { precise: true }),
        volume: money(pricing.data.storage.volumeDisk.price, locale, { precise: true }),
        hours: pricing.data.billing.minimumStartHours,
      }
    : { container: '…', volume: '…', hours: '…' }
  return (
    <PublicLayout>
      <div className="section stack">
        <h1>{t('help.title')}</h1>
        {TOPICS.map((topic) => (
          <details key={topic} className="card">
            <summary>
              <strong>{t(`help.${topic}.q`)}</strong>
            </summary>
            <p style={{ marginTop: '0.6rem' }}>{t(`help.${topic}.a`, vars)}</p>
          </details>
        ))}
      </div>
    </PublicLayout>
  )
}
