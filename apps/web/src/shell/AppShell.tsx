import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useEffect, useState } from 'react'
import { NavLink, useLocation, useNavigate } from 'react-router'
import { api } from '../api/api'
import { authKeys } from '../api/queries/auth'
import type { User } from '../api/types'
import { Button } from '../components/Button'
import { Badge } from '../components/Feedback'
import { useT } from '../i18n'
import { money } from '../lib/format'
import { useRealtime } from '../realtime/RealtimeProvider'
import { LanguageSelect } from './LanguageSelect'
import { SimulationBanner } from './SimulationBanner'

function LiveIndicator() {
  const { status } = useRealtime()
  const { t } = useT()
  const tone = status === 'live' ? 'ok' : status === 'connecting' ? 'warn' : 'bad'
  return (
    <Badge tone={tone} dot pulse={status === 'connecting'}>
      <span title={t(`realtime.${status}.hint`)}>{t(`realtime.${status}`)}</span>
    </Badge>
  )
}

/** The signed-in frame: navigation for the role, live balance, connection state, language, sign-out. */
export function AppShell({ me, children }: { me: User; children: ReactNode }) {
  const { t, locale } = useT()
  const [open, setOpen] = useState(false)
  const location = useLocation()
  const navigate = useNavigate()
  const client = useQueryClient()
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the phone menu after navigating
  useEffect(() => setOpen(false), [location.pathname])
  const logout = useMutation({
    mutationFn: api.auth.logout,
    onSettled: () => {
      client.setQueryData(authKeys.me, null)
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' && q.queryKey[0] !== 'status' })
      void navigate('/login')
    },
  })
  const balance = me.balance
  const link = (to: string, label: string, end = false) => (
    <NavLink to={to} end={end}>
      {label}
    </NavLink>
  )
  return (
    <div className="app">
      <aside className={`sidebar${open ? ' open' : ''}`} aria-label={t('nav.main')}>
        <a className="brand" href="/">
          <img src="/favicon.svg" alt="" />
          NeuroPod
        </a>
        <nav className="nav">
          {link('/pods', t('nav.myPods'))}
          {link('/deploy', t('nav.deploy'))}
          {link('/volumes', t('nav.volumes'))}
          {link('/account', t('nav.account'))}
          {link('/notifications', t('nav.notifications'))}
          {link('/help', t('nav.help'))}
          {me.role === 'admin' && (
            <>
              <span className="nav-section">{t('nav.admin')}</span>
              {link('/admin', t('nav.dashboard'), true)}
              {link('/admin/pods', t('nav.allPods'))}
              {link('/admin/users', t('nav.users'))}
              {link('/admin/templates', t('nav.templates'))}
              {link('/admin/pricing', t('nav.pricing'))}
              {link('/admin/sessions', t('nav.sessions'))}
              {link('/admin/auto-stop', t('nav.autoStop'))}
            </>
          )}
        </nav>
        <span className="spacer" />
        <div className="stack small" style={{ gap: '0.3rem' }}>
          <span>
            <strong>{me.name}</strong>
          </span>
          <span className="muted">{me.email}</span>
          {me.role === 'admin' && <Badge tone="primary">{t('role.admin')}</Badge>}
          <Button size="sm" className="show-sm" onClick={() => logout.mutate()} loading={logout.isPending}>
            {t('nav.signOut')}
          </Button>
        </div>
      </aside>
      <header className="topbar">
        <Button
          className="menu-toggle"
          size="sm"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          aria-label={t('nav.menu')}
        >
          ☰
        </Button>
        <LiveIndicator />
        <span className="spacer" />
        <NavLink
          to="/account"
          className="row"
          style={{ textDecoration: 'none', color: 'inherit' }}
          aria-label={t('account.balance')}
        >
          <span className="small muted hide-sm">{t('account.balance')}</span>
          <strong className="num" data-testid="shell-balance">
            {money(balance, locale)}
          </strong>
        </NavLink>
        <LanguageSelect />
        <Button size="sm" className="hide-sm" onClick={() => logout.mutate()} loading={logout.isPending}>
          {t('nav.signOut')}
        </Button>
      </header>
      <main className="main" id="main">
        <SimulationBanner />
        {children}
      </main>
      {open && (
        <button
          type="button"
          className="scrim"
          aria-label={t('common.close')}
          onClick={() => setOpen(false)}
        />
      )}
    </div>
  )
}
