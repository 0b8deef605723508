import { LANGUAGES, type Lang, useT } from '../i18n'

export function LanguageSelect() {
  const { lang, setLang, t } = useT()
  return (
    <select
      className="input"
      style={{ width: 'auto', minHeight: '2rem', padding: '0.2rem 0.4rem' }}
      aria-label={t('common.language')}
      value={lang}
      onChange={(e) => setLang(e.target.value as Lang)}
    >
      {LANGUAGES.map((l) => (
        <option key={l.code} value={l.code}>
          {l.label}
        </option>
      ))}
    </select>
  )
}
