import { useQuery } from '@tanstack/react-query'
import { errorMessage } from '../../api/errors'
import { publicPricingQuery } from '../../api/queries/pricing'
import { LoadError, Loading } from '../../components/Feedback'
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
        {query.error ? (
          <LoadError
            message={errorMessage(query.error, t('pricing.loadFailed'))}
            onRetry={() => void query.refetch()}
          />
        ) : query.data ? (
          <PricingView pricing={query.data} />
        ) : (
          <Loading />
        )}
      </div>
    </PublicLayout>
  )
}
