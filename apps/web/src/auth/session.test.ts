import { describe, expect, it } from 'vitest'
import { safeNext } from './session'

describe('safeNext', () => {
  it('accepts same-origin relative paths, such as the pod proxy’s authorize step', () => {
    expect(safeNext('/api/proxy/authorize?host=abc-8888.localhost%3A3000&path=%2F')).toBe(
      '/api/proxy/authorize?host=abc-8888.localhost%3A3000&path=%2F',
    )
    expect(safeNext('/pods')).toBe('/pods')
  })

  it('refuses anything that could leave the site', () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      'pods',
      null,
      '',
    ]) {
      expect(safeNext(next), String(next)).toBeNull()
    }
  })
})
