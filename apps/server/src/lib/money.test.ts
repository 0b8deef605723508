import { describe, expect, it } from 'vitest'
import { eurosToMicros, formatEuros, microsToEuros } from './money.js'

describe('money', () => {
  it('parses euros exactly, without float drift', () => {
    expect(eurosToMicros(0.1)).toBe(100_000)
    expect(eurosToMicros(2.5)).toBe(2_500_000)
    expect(eurosToMicros(8.99)).toBe(8_990_000)
    expect(eurosToMicros('0.0000005')).toBe(1)
    expect(eurosToMicros(-4.5)).toBe(-4_500_000)
    expect(eurosToMicros(0.1 + 0.2)).toBe(300_000)
    expect(microsToEuros(300_000)).toBe(0.3)
    expect(() => eurosToMicros(Number.NaN)).toThrow()
  })

  it('formats negative amounts with the sign before the euro symbol', () => {
    expect(formatEuros(-10_000)).toBe('-€0.01')
    expect(formatEuros(-2_500_000)).toBe('-€2.50')
    expect(formatEuros(1_234_567)).toBe('€1.23')
    expect(formatEuros(-1)).toBe('€0.00')
    expect(formatEuros(0)).toBe('€0.00')
  })

  it('rounds a requirement up and an available balance down when asked', () => {
    expect(formatEuros(10_000_137, 'up')).toBe('€10.01')
    expect(formatEuros(10_000_137, 'down')).toBe('€10.00')
    expect(formatEuros(9_999_999, 'down')).toBe('€9.99')
    expect(formatEuros(-1, 'down')).toBe('-€0.01')
    expect(formatEuros(-1, 'up')).toBe('€0.00')
  })
})
