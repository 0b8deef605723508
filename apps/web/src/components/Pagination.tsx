import { useT } from '../i18n'
import { Button } from './Button'

export function Pagination({
  page,
  limit,
  total,
  onPage,
}: {
  page: number
  limit: number
  total: number
  onPage: (page: number) => void
}) {
  const { t } = useT()
  const pages = Math.max(1, Math.ceil(total / limit))
  if (total === 0) return null
  const first = (page - 1) * limit + 1
  const last = Math.min(total, page * limit)
  return (
    <nav className="row-between" aria-label={t('common.pagination')}>
      <span className="small muted">{t('common.showingRange', { first, last, total })}</span>
      <span className="row">
        <Button size="sm" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          {t('common.previous')}
        </Button>
        <span className="small">{t('common.pageOf', { page, pages })}</span>
        <Button size="sm" disabled={page >= pages} onClick={() => onPage(page + 1)}>
          {t('common.next')}
        </Button>
      </span>
    </nav>
  )
}
