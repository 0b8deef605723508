import type { ReactNode } from 'react'
import { Link } from 'react-router'
import { useMe } from '../auth/session'
import { useT } from '../i18n'
import { LanguageSelect } from './LanguageSelect'
import { SimulationBanner } from './SimulationBanner'

/** Landing, pricing and help for visitors; knows when the visitor is already signed in. */
export function PublicLayout({ children }: { children: ReactNode }) {
  const { t } = useT()
  const { me } = useMe()
  return (
    <>
      <header className="public-nav">
        <Link className="brand" to="/">
          <img src="/favicon.svg" alt="" />
          NeuroPod
        </Link>
        <nav aria-label={t('nav.main')}>
          <Link to="/pricing">{t('nav.pricing')}</Link>
          <Link to="/help">{t('nav.help')}</Link>
          <a href="/api/docs">{t('nav.apiDocs')}</a>
        </nav>
        <span className="spacer" />
        <LanguageSelect />
        {me ? (
          <Link className="btn btn-primary" to={me.role === 'admin' ? '/admin' : '/pods'}>
            {t('nav.openConsole')}
          </Link>
        ) : (
          <>
            <Link className="btn btn-ghost" to="/login">
              {t('auth.signIn')}
            </Link>
            <Link className="btn btn-primary" to="/signup">
              {t('auth.signUp')}
            </Link>
          </>
        )}
      </header>
      <main>
        <div className="section" style={{ paddingBottom: 0 }}>
          <SimulationBanner />
        </div>
        {children}
      </main>
      <footer className="footer">
        © {new Date().getFullYear()} NeuroPod · {t('landing.footer')} ·{' '}
        <a href="/api/docs">{t('nav.apiDocs')}</a>
      </footer>
    </>
  )
}
