/**
 * Money is stored and computed as integer micro-euros (1 EUR = 1,000,000 µ€). Floats appear only at
 * the API edge, where euros are parsed exactly from their decimal text and printed back.
 */
export const MICROS_PER_EURO = 1_000_000

/** Parses a euro amount (number or decimal string) to micro-euros without float rounding drift. */
export function eurosToMicros(value: number | string): number {
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim()
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text)
  if (!m) throw new RangeError(`Not a euro amount: ${text}`)
  const [, sign, whole, fraction = ''] = m
  const frac = fraction.padEnd(7, '0')
  // round half away from zero at the 6th decimal
  let micros = Number(whole) * MICROS_PER_EURO + Number(frac.slice(0, 6)) + (Number(frac[6]) >= 5 ? 1 : 0)
  if (!Number.isSafeInteger(micros)) throw new RangeError(`Euro amount out of range: ${text}`)
  if (sign) micros = -micros
  return micros === 0 ? 0 : micros
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`Not a finite amount: ${n}`)
  // toFixed(7) keeps enough digits for µ€ rounding and never uses exponent notation for |n| < 1e21
  return n.toFixed(7)
}

/** micro-euros → euros as a JS number for JSON (exact for any value with ≤ 6 decimals, up to 2^53 µ€). */
export function microsToEuros(micros: number): number {
  return micros / MICROS_PER_EURO
}

/**
 * "€1.50", "-€0.01": the sign goes before the symbol, and an amount that rounds to zero has none.
 * `up`/`down` round towards +∞/−∞ to the cent: a refusal shows what is required rounded up and
 * what is available rounded down, so it never reads "required €10.00, available €10.00".
 */
export function formatEuros(micros: number, rounding: 'nearest' | 'up' | 'down' = 'nearest'): string {
  const round = rounding === 'up' ? Math.ceil : rounding === 'down' ? Math.floor : Math.round
  const signed = round(micros / 10_000)
  const cents = Math.abs(signed)
  const sign = signed < 0 ? '-' : ''
  return `${sign}€${(cents / 100).toFixed(2)}`
}
