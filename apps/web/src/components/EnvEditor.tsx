import { useT } from '../i18n'
import { Button } from './Button'
import { FieldErrors } from './Field'

export interface EnvRow {
  key: string
  value: string
}

/** Environment variables as editable name/value rows (deploy form and template editor). */
export function EnvEditor({
  rows,
  onChange,
  errors,
  placeholders = false,
}: {
  rows: EnvRow[]
  onChange: (rows: EnvRow[]) => void
  errors?: string[]
  /** Show NAME / value hints in empty fields */
  placeholders?: boolean
}) {
  const { t } = useT()
  const edit = (i: number, change: Partial<EnvRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...change } : r)))
  return (
    <fieldset className="stack" style={{ border: 0, padding: 0, margin: 0, gap: '0.4rem' }}>
      <legend className="label">{t('deploy.config.env')}</legend>
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
        <div className="row" key={i} style={{ flexWrap: 'nowrap' }}>
          <input
            className="input mono"
            aria-label={t('deploy.config.envName', { n: i + 1 })}
            placeholder={placeholders ? 'NAME' : undefined}
            value={row.key}
            onChange={(e) => edit(i, { key: e.target.value })}
          />
          <input
            className="input mono"
            aria-label={t('deploy.config.envValue', { n: i + 1 })}
            placeholder={placeholders ? 'value' : undefined}
            value={row.value}
            onChange={(e) => edit(i, { value: e.target.value })}
          />
          <Button
            size="sm"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={t('deploy.config.envRemove', { n: i + 1 })}
          >
            ×
          </Button>
        </div>
      ))}
      <div>
        <Button size="sm" onClick={() => onChange([...rows, { key: '', value: '' }])}>
          {t('deploy.config.envAdd')}
        </Button>
      </div>
      <FieldErrors errors={errors} />
    </fieldset>
  )
}
