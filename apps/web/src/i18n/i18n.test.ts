import { describe, expect, it } from 'vitest'
import { en } from './en'
import { es } from './es'
import { translate } from './index'

describe('translations', () => {
  it('Spanish has every English key, none empty, with the same placeholders', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort())
    for (const [key, text] of Object.entries(en)) {
      const spanish = es[key as keyof typeof en]
      expect(spanish.trim(), key).not.toBe('')
      const vars = (s: string) => [...new Set([...s.matchAll(/\{(\w+)[}|]/g)].map((m) => m[1]))].sort()
      expect(vars(spanish), key).toEqual(vars(text))
    }
  })

  it('fills placeholders', () => {
    expect(translate('es', 'pod.confirmStop.title', { name: 'nb' })).toBe('¿Detener nb?')
    expect(translate('en', 'common.pageOf', { page: 2, pages: 5 })).toBe('Page 2 of 5')
  })

  it('agrees in number', () => {
    expect(translate('en', 'adminPods.subtitle', { total: 1 })).toBe('1 pod matches')
    expect(translate('en', 'adminPods.subtitle', { total: 3 })).toBe('3 pods match')
    expect(translate('en', 'adminPods.subtitle', { total: 0 })).toBe('0 pods match')
    expect(translate('es', 'users.deletePods', { total: 1, active: 1 })).toMatch(/^1 pod \(1 activo\)/)
    expect(translate('es', 'templates.deleteBody', { count: 2 })).toMatch(/^Se crearon 2 pods /)
    expect(translate('es', 'templates.deleteBody', { count: 1 })).toMatch(/^Se creó 1 pod /)
  })
})
