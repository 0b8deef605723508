import { useQuery } from '@tanstack/react-query'
import { errorMessage } from '../../api/errors'
import { publicPricingQuery } from '../../api/queries/pricing'
import { LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { PublicLayout } from '../../shell/PublicLayout'
import { PricingView } from './PricingView'

export function PricingPage() {
  const { t } = useT()
  const query = useQuery(publicPricingQuery())
  return (
    <PublicLayout>
      <div className="section">
        <h1>{t('pricing.title')}</h1>
        <p className="muted">{t('pricing.subtitle')}</p>
        <LoadState
          data={query.data}
          error={query.error ? errorMessage(query.error, t('pricing.loadFailed')) : null}
          onRetry={() => void query.refetch()}
        >
          {(pricing) => <PricingView pricing={pricing} />}
        </LoadState>
      </div>
    </PublicLayout>
  )
}
