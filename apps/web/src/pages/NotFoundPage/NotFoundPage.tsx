import { Link } from 'react-router'
import { useT } from '../../i18n'
import { PublicLayout } from '../../shell/PublicLayout'

export function NotFoundPage() {
  const { t } = useT()
  return (
    <PublicLayout>
      <div className="section empty">
        <h1>404</h1>
        <p>{t('notFound.body')}</p>
        <Link className="btn btn-primary" to="/">
          {t('notFound.home')}
        </Link>
      </div>
    </PublicLayout>
  )
}
