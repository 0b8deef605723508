/** Formatting in the user's language: money is always euros, shown the way that language writes them. */

export function money(
  value: number | 'Infinity',
  locale: string,
  options: { precise?: boolean } = {},
): string {
  if (value === 'Infinity' || value === Number.POSITIVE_INFINITY) return '∞'
  const abs = Math.abs(value)
  // Rates such as 0.005 €/GB·h need more digits than balances do, and 0.000137 €/GB·h (about 0.10 per
  // GB-month, the storage default) more still.
  const digits = !options.precise || abs === 0 || abs >= 0.1 ? 2 : abs < 0.001 ? 6 : 4
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'EUR',
    minimumFractionDigits: 2,
    maximumFractionDigits: digits,
  }).format(value)
}

export function signedMoney(value: number, locale: string): string {
  const text = money(Math.abs(value), locale, { precise: true })
  return value < 0 ? `−${text}` : `+${text}`
}

export function number(value: number, locale: string, maxDigits = 1): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: maxDigits }).format(value)
}

export function dateTime(iso: string | null, locale: string): string {
  if (!iso) return '—'
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))
}

export function date(iso: string | null, locale: string): string {
  if (!iso) return '—'
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso))
}

export function time(iso: string | null, locale: string): string {
  if (!iso) return '—'
  return new Intl.DateTimeFormat(locale, { timeStyle: 'medium' }).format(new Date(iso))
}

/** 45 s · 12 min · 2 h 05 min · 3 d 4 h */
export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}

export function bytes(value: number | null, locale: string): string {
  if (value === null) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = value
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${number(v, locale, 1)} ${units[i]}`
}

/** A UTC day (YYYY-MM-DD) for API date filters. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
]

/** "just now", "5 minutes ago", "yesterday": how long ago (or until) `iso` is, seen at `now`. */
export function relativeTime(iso: string, now: number, locale: string): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000)
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  for (const [unit, size] of RELATIVE_UNITS)
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit)
  return format.format(Math.abs(seconds) < 10 ? 0 : seconds, 'second')
}
