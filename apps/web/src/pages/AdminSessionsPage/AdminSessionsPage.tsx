import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useSearchParams } from 'react-router'
import { shellSessionsQuery } from '../../api/queries/ssh'
import { loaded } from '../../api/view-state'
import { useT } from '../../i18n'
import { useNow } from '../../lib/useNow'
import { AdminSessionsView } from './AdminSessionsView'

const LIMIT = 50

/** `/admin/sessions`: the audit of shells opened into pods; the filter lives in the URL. */
export default function AdminSessionsPage() {
  const { t } = useT()
  const [params, setParams] = useSearchParams()
  const openOnly = params.get('open') === '1'
  const page = Number(params.get('page')) || 1
  const query = useQuery({
    ...shellSessionsQuery({ open: openOnly || undefined, page, limit: LIMIT }),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  })
  const now = useNow(1000)
  return (
    <AdminSessionsView
      sessions={loaded(query, t('common.loadFailed'))}
      openOnly={openOnly}
      onOpenOnly={(open) => setParams(open ? { open: '1' } : {})}
      onPage={(p) => setParams({ ...(openOnly ? { open: '1' } : {}), page: String(p) })}
      now={now}
    />
  )
}
