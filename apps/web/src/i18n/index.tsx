import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import { setRequestLanguage } from '../api/client'
import { en, type MessageKey } from './en'
import { es } from './es'

export type Lang = 'en' | 'es'
export type { MessageKey }
export type Vars = Record<string, string | number>

export const LANGUAGES: { code: Lang; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'es', label: 'Español' },
]
const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, es }
const LOCALES: Record<Lang, string> = { en: 'en-GB', es: 'es-ES' }
const STORAGE_KEY = 'neuropod.lang'

export function storedLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved === 'en' || saved === 'es') return saved
  } catch {
    // Storage can be blocked (private mode); the browser's language still applies.
  }
  return typeof navigator !== 'undefined' && navigator.language?.toLowerCase().startsWith('es') ? 'es' : 'en'
}

/**
 * `{name}` is replaced by the value; `{name|one|other}` by the form that agrees with it ("1 pod",
 * "2 pods"). English and Spanish both have just these two forms.
 */
export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  const template = dictionaries[lang][key] ?? en[key] ?? key
  if (!vars) return template
  return template.replace(
    /\{(\w+)(?:\|([^|}]*)\|([^}]*))?\}/g,
    (whole, name: string, one?: string, other?: string) => {
      if (!(name in vars)) return whole
      if (one === undefined || other === undefined) return String(vars[name])
      return Number(vars[name]) === 1 ? one : other
    },
  )
}

interface I18n {
  lang: Lang
  locale: string
  setLang(lang: Lang): void
  t(key: MessageKey, vars?: Vars): string
}

const I18nContext = createContext<I18n>({
  lang: 'en',
  locale: LOCALES.en,
  setLang: () => {},
  t: (key, vars) => translate('en', key, vars),
})

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => initial ?? storedLang())
  // Before any child fetches: the server answers its own texts in this language.
  setRequestLanguage(lang)
  const setLang = useCallback((next: Lang) => {
    setLangState(next)
    try {
      localStorage.setItem(STORAGE_KEY, next)
    } catch {
      // Not persisted; the choice still holds for this tab.
    }
  }, [])
  useEffect(() => {
    document.documentElement.lang = lang
  }, [lang])
  const value = useMemo<I18n>(
    () => ({ lang, locale: LOCALES[lang], setLang, t: (key, vars) => translate(lang, key, vars) }),
    [lang, setLang],
  )
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useT(): I18n {
  return useContext(I18nContext)
}
