import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { publicPricingQuery } from '../../api/queries/pricing'
import { useT } from '../../i18n'
import { money } from '../../lib/format'
import { PublicLayout } from '../../shell/PublicLayout'
import { deployExample } from './deploy-example'

const FEATURES = ['oneClick', 'urls', 'live', 'billing', 'selfHosted', 'admin'] as const

export function LandingPage() {
  const { t, locale } = useT()
  const pricing = useQuery(publicPricingQuery())
  const cheapestEntry = pricing.data
    ? Object.entries(pricing.data.gpus)
        .filter(([, g]) => g.available)
        .sort(([, a], [, b]) => a.price - b.price)[0]
    : undefined
  const cheapest = cheapestEntry?.[1]
  const example = deployExample(window.location.origin, cheapestEntry?.[0])
  return (
    <PublicLayout>
      <section className="hero">
        <div>
          <h1>
            {t('landing.title1')} <span className="accent">{t('landing.title2')}</span>
          </h1>
          <p className="lead">{t('landing.lead')}</p>
          <div className="row">
            <Link className="btn btn-primary btn-lg" to="/signup">
              {t('landing.cta')}
            </Link>
            <Link className="btn btn-lg" to="/pricing">
              {t('landing.seePrices')}
            </Link>
          </div>
          {cheapest && (
            <p className="small muted" style={{ marginTop: '0.75rem' }}>
              {t('landing.from', { price: money(cheapest.price, locale), gpu: cheapest.name })}
            </p>
          )}
        </div>
        <div className="card" aria-hidden="true" style={{ padding: 0, overflow: 'hidden' }}>
          <div className="logs" style={{ height: 'auto', borderRadius: 0 }}>
            <div className="system">{example.command}</div>
            <div>Scheduled · Pulling image · Started · Ready</div>
            <div className="system">{example.url}</div>
            <div>Jupyter Lab is ready. Open it, signed in.</div>
          </div>
        </div>
      </section>
      <section className="section">
        <h2>{t('landing.featuresTitle')}</h2>
        <div className="grid" style={{ marginTop: '1rem' }}>
          {FEATURES.map((f) => (
            <article key={f} className="card">
              <h3>{t(`landing.feature.${f}.title`)}</h3>
              <p className="muted small" style={{ margin: 0 }}>
                {t(`landing.feature.${f}.body`)}
              </p>
            </article>
          ))}
        </div>
      </section>
    </PublicLayout>
  )
}
