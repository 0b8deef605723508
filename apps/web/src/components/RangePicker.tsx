import { useT } from '../i18n'

export const RANGES = [7, 30, 90] as const

/** A period of the last 7, 30 or 90 days, as a group of toggle buttons. */
export function RangePicker({ days, onDays }: { days: number; onDays: (days: number) => void }) {
  const { t } = useT()
  return (
    <ToggleGroup
      ranges={RANGES}
      value={days as (typeof RANGES)[number]}
      onChange={onDays}
      legend={t('dashboard.range')}
      label={(d) => t('dashboard.days', { days: d })}
    />
  )
}

/** Toggle buttons of which one is pressed: the ranges above a chart (7 d / 30 d, 1 h / 24 h …). */
export function ToggleGroup<R extends string | number>({
  ranges,
  value,
  onChange,
  legend,
  label,
}: {
  ranges: readonly R[]
  value: R
  onChange: (range: R) => void
  /** What the group chooses, for screen readers */
  legend: string
  label: (range: R) => string
}) {
  return (
    <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
      <legend className="sr-only">{legend}</legend>
      {ranges.map((r) => (
        <button
          key={r}
          type="button"
          className={`btn btn-sm${r === value ? ' btn-primary' : ''}`}
          aria-pressed={r === value}
          onClick={() => onChange(r)}
        >
          {label(r)}
        </button>
      ))}
    </fieldset>
  )
}

/** Time labels for a chart over `range`: weekday and hour over days, hour and minute otherwise. */
export function rangeTimeFormat(locale: string, range: string): (iso: string) => string {
  const format = new Intl.DateTimeFormat(
    locale,
    range === '7d' ? { weekday: 'short', hour: '2-digit' } : { hour: '2-digit', minute: '2-digit' },
  )
  return (iso) => format.format(new Date(iso))
}
