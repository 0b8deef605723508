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
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
      expect(vars(spanish), key).toEqual(vars(text))
    }
  })

  it('fills placeholders', () => {
    expect(translate('es', 'pod.confirmStop.title', { name: 'nb' })).toBe('¿Detener nb?')
    expect(translate('en', 'common.pageOf', { page: 2, pages: 5 })).toBe('Page 2 of 5')
  })
})
