import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useSearchParams } from 'react-router'
import { errorMessage } from '../../api/errors'
import { adminPodsQuery } from '../../api/queries/pods'
import { gpusQuery } from '../../api/queries/pricing'
import type { AdminPodsFilter, PodStatus } from '../../api/types'
import { Button } from '../../components/Button'
import { Pagination } from '../../components/Pagination'
import { useT } from '../../i18n'
import { PodList } from '../../modules/pods/PodList'

const STATUSES: PodStatus[] = ['pending', 'creating', 'running', 'stopping', 'stopped', 'error', 'deleting']
const LIMIT = 20

/** Every pod on the platform, filtered and paged by the server; the filters live in the URL. */
export default function AdminPodsPage() {
  const { t } = useT()
  const [params, setParams] = useSearchParams()
  const filter: AdminPodsFilter = {
    userEmail: params.get('user') || undefined,
    status: (params.get('status') as PodStatus | null) || undefined,
    gpu: params.get('gpu') || undefined,
    search: params.get('q') || undefined,
    page: Number(params.get('page')) || 1,
    limit: LIMIT,
  }
  const [draft, setDraft] = useState({ user: filter.userEmail ?? '', q: filter.search ?? '' })
  const query = useQuery(adminPodsQuery(filter))
  const gpus = useQuery(gpusQuery())
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params)
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v)
      else next.delete(k)
    }
    if (!('page' in changes)) next.delete('page')
    setParams(next)
  }
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('adminPods.title')}</h1>
          <p>{t('adminPods.subtitle', { total: query.data?.total ?? 0 })}</p>
        </div>
      </div>
      <form
        className="card row"
        style={{ marginBottom: '1rem', alignItems: 'flex-end' }}
        onSubmit={(e) => {
          e.preventDefault()
          update({ user: draft.user.trim() || undefined, q: draft.q.trim() || undefined })
        }}
        aria-label={t('adminPods.filters')}
      >
        <label className="field" style={{ flex: '1 1 12rem' }}>
          <span className="label">{t('adminPods.user')}</span>
          <input
            className="input"
            type="search"
            value={draft.user}
            placeholder="alice@"
            onChange={(e) => setDraft({ ...draft, user: e.target.value })}
          />
        </label>
        <label className="field" style={{ flex: '1 1 12rem' }}>
          <span className="label">{t('adminPods.search')}</span>
          <input
            className="input"
            type="search"
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          />
        </label>
        <label className="field">
          <span className="label">{t('adminPods.status')}</span>
          <select
            className="input"
            value={filter.status ?? ''}
            onChange={(e) => update({ status: e.target.value || undefined })}
          >
            <option value="">{t('common.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`pod.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="label">{t('adminPods.gpu')}</span>
          <select
            className="input"
            value={filter.gpu ?? ''}
            onChange={(e) => update({ gpu: e.target.value || undefined })}
          >
            <option value="">{t('common.all')}</option>
            <option value="cpu">CPU</option>
            {gpus.data?.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <Button type="submit" variant="primary">
          {t('common.apply')}
        </Button>
        <Button
          onClick={() => {
            setDraft({ user: '', q: '' })
            setParams(new URLSearchParams())
          }}
        >
          {t('common.clear')}
        </Button>
      </form>
      <div className="stack">
        <PodList
          pods={query.data?.data}
          error={query.error ? errorMessage(query.error, t('pods.loadFailed')) : null}
          onRetry={() => void query.refetch()}
          showOwner
          emptyTitle={t('adminPods.empty')}
        />
        {query.data && (
          <Pagination
            page={query.data.page}
            limit={query.data.limit}
            total={query.data.total}
            onPage={(page) => update({ page: String(page) })}
          />
        )}
      </div>
    </>
  )
}
