import { useT } from '../i18n'

export const RANGES = [7, 30, 90] as const

/** A period of the last 7, 30 or 90 days, as a group of toggle buttons. */
export function RangePicker({ days, onDays }: { days: number; onDays: (days: number) => void }) {
  const { t } = useT()
  return (
    <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
      <legend className="sr-only">{t('dashboard.range')}</legend>
      {RANGES.map((d) => (
        <button
          key={d}
          type="button"
          className={`btn btn-sm${d === days ? ' btn-primary' : ''}`}
          aria-pressed={d === days}
          onClick={() => onDays(d)}
        >
          {t('dashboard.days', { days: d })}
        </button>
      ))}
    </fieldset>
  )
}
