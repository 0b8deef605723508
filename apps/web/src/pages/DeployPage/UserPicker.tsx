import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { usersQuery } from '../../api/queries/users'
import { Button } from '../../components/Button'
import { FieldErrors } from '../../components/Field'
import { useT } from '../../i18n'
import { money } from '../../lib/format'

/** Admins deploy for a client found by name or e-mail (the pod is theirs and billed to them). */
export function UserPicker({
  value,
  onChange,
  errors,
}: {
  value: string | null
  onChange: (email: string | null) => void
  errors?: string[]
}) {
  const { t, locale } = useT()
  const [search, setSearch] = useState('')
  const query = useQuery({
    ...usersQuery({ search: search.trim(), role: 'client', limit: 6 }),
    enabled: search.trim().length >= 2 && !value,
  })
  if (value)
    return (
      <div className="field">
        <span className="label">{t('deploy.assign.label')}</span>
        <div className="row">
          <span className="chip">{value}</span>
          <Button size="sm" onClick={() => onChange(null)}>
            {t('deploy.assign.clear')}
          </Button>
        </div>
        <FieldErrors errors={errors} />
      </div>
    )
  return (
    <div className="field">
      <label htmlFor="assign-user" className="label">
        {t('deploy.assign.label')}
      </label>
      <input
        id="assign-user"
        className="input"
        type="search"
        placeholder={t('deploy.assign.placeholder')}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        autoComplete="off"
      />
      <span className="hint">{t('deploy.assign.hint')}</span>
      {query.data && (
        <ul
          className="stack"
          style={{ listStyle: 'none', padding: 0, margin: 0, gap: '0.25rem' }}
          aria-label={t('deploy.assign.results')}
        >
          {query.data.data.length === 0 && <li className="small muted">{t('deploy.assign.none')}</li>}
          {query.data.data.map((u) => (
            <li key={u.id}>
              <Button size="sm" variant="ghost" onClick={() => onChange(u.email)}>
                {u.name} · {u.email} · {money(u.balance, locale)}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <FieldErrors errors={errors} />
    </div>
  )
}
