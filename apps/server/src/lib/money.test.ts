import { describe, expect, it } from 'vitest'
import { eurosToMicros, microsToEuros } from './money.js'

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
})
