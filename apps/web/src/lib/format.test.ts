import { describe, expect, it } from 'vitest'
import { money, relativeTime } from './format'

describe('relativeTime', () => {
  const now = new Date('2026-01-02T12:00:00.000Z').getTime()
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString()

  it('says how long ago, in the largest unit that fits', () => {
    expect(relativeTime(ago(3), now, 'en-GB')).toBe('now')
    expect(relativeTime(ago(42), now, 'en-GB')).toBe('42 seconds ago')
    expect(relativeTime(ago(5 * 60), now, 'en-GB')).toBe('5 minutes ago')
    expect(relativeTime(ago(3 * 3600 + 100), now, 'en-GB')).toBe('3 hours ago')
    expect(relativeTime(ago(86_400), now, 'en-GB')).toBe('yesterday')
    expect(relativeTime(ago(9 * 86_400), now, 'en-GB')).toBe('9 days ago')
  })

  it('speaks Spanish', () => {
    expect(relativeTime(ago(5 * 60), now, 'es-ES')).toBe('hace 5 minutos')
    expect(relativeTime(ago(86_400), now, 'es-ES')).toBe('ayer')
  })
})

describe('money', () => {
  it('shows enough digits for per-GB storage rates', () => {
    expect(money(0.000137, 'en-GB', { precise: true })).toBe('€0.000137')
    expect(money(0.00411, 'en-GB', { precise: true })).toBe('€0.0041')
    expect(money(2.5, 'en-GB', { precise: true })).toBe('€2.50')
    expect(money(0.000137, 'en-GB')).toBe('€0.00')
  })
})
