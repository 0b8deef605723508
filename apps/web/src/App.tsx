import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query'
import { lazy, type ReactNode, Suspense, useEffect, useRef } from 'react'
import { BrowserRouter, Navigate, Route, Routes } from 'react-router'
import { isApiError } from './api/errors'
import type { User } from './api/types'
import { homeFor, RequireAuth, useMe, useSessionExpiry } from './auth/session'
import { Loading } from './components/Feedback'
import { ToastProvider } from './components/Toasts'
import { I18nProvider, type Lang, useT } from './i18n'
import { AccountPage } from './pages/AccountPage/AccountPage'
import { DeployPage } from './pages/DeployPage/DeployPage'
import { HelpPage } from './pages/HelpPage/HelpPage'
import { LandingPage } from './pages/LandingPage/LandingPage'
import { LoginPage } from './pages/LoginPage/LoginPage'
import { NotFoundPage } from './pages/NotFoundPage/NotFoundPage'
import { NotificationsPage } from './pages/NotificationsPage/NotificationsPage'
import { PodPage } from './pages/PodPage/PodPage'
import { PodsPage } from './pages/PodsPage/PodsPage'
import { PricingPage } from './pages/PricingPage/PricingPage'
import { VolumesPage } from './pages/VolumesPage/VolumesPage'
import { RealtimeProvider } from './realtime/RealtimeProvider'
import { AppShell } from './shell/AppShell'

// Admin pages are loaded only when an admin opens them: clients never download them.
const AdminDashboardPage = lazy(() => import('./pages/AdminDashboardPage/AdminDashboardPage'))
const AdminPodsPage = lazy(() => import('./pages/AdminPodsPage/AdminPodsPage'))
const AdminUsersPage = lazy(() => import('./pages/AdminUsersPage/AdminUsersPage'))
const AdminTemplatesPage = lazy(() => import('./pages/AdminTemplatesPage/AdminTemplatesPage'))
const AdminPricingPage = lazy(() => import('./pages/AdminPricingPage/AdminPricingPage'))
const AdminSessionsPage = lazy(() => import('./pages/AdminSessionsPage/AdminSessionsPage'))
const AdminIdlePage = lazy(() => import('./pages/AdminIdlePage/AdminIdlePage'))

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A 4xx will not change by asking again; network blips and 5xx get two retries.
        retry: (count, error) =>
          count < 2 && !(isApiError(error) && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  })
}

function Console({ admin, children }: { admin?: boolean; children: (me: User) => ReactNode }) {
  return (
    <RequireAuth adminOnly={admin}>
      {(me) => (
        <RealtimeProvider me={me}>
          <AppShell me={me}>
            <Suspense fallback={<Loading />}>{children(me)}</Suspense>
          </AppShell>
        </RealtimeProvider>
      )}
    </RequireAuth>
  )
}

function Home() {
  const { me } = useMe()
  if (me === undefined) return <Loading />
  return me ? <Navigate to={homeFor(me)} replace /> : <Navigate to="/login" replace />
}

function SessionWatch() {
  useSessionExpiry()
  return null
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/" element={<LandingPage />} />
      <Route path="/pricing" element={<PricingPage />} />
      <Route path="/help" element={<HelpPage />} />
      <Route path="/login" element={<LoginPage mode="login" />} />
      <Route path="/signup" element={<LoginPage mode="signup" />} />
      <Route path="/dashboard" element={<Home />} />
      <Route path="/pods" element={<Console>{(me) => <PodsPage me={me} />}</Console>} />
      <Route path="/pods/:podId" element={<Console>{(me) => <PodPage me={me} />}</Console>} />
      <Route path="/deploy" element={<Console>{(me) => <DeployPage me={me} />}</Console>} />
      <Route path="/volumes" element={<Console>{(me) => <VolumesPage me={me} />}</Console>} />
      <Route path="/account" element={<Console>{(me) => <AccountPage me={me} />}</Console>} />
      <Route path="/notifications" element={<Console>{() => <NotificationsPage />}</Console>} />
      <Route path="/admin" element={<Console admin>{() => <AdminDashboardPage />}</Console>} />
      <Route path="/admin/pods" element={<Console admin>{() => <AdminPodsPage />}</Console>} />
      <Route path="/admin/users" element={<Console admin>{(me) => <AdminUsersPage me={me} />}</Console>} />
      <Route path="/admin/templates" element={<Console admin>{() => <AdminTemplatesPage />}</Console>} />
      <Route path="/admin/pricing" element={<Console admin>{() => <AdminPricingPage />}</Console>} />
      <Route path="/admin/sessions" element={<Console admin>{() => <AdminSessionsPage />}</Console>} />
      <Route path="/admin/auto-stop" element={<Console admin>{() => <AdminIdlePage />}</Console>} />
      {/* Addresses of the first NeuroPod UI (bookmarks, course material) keep working. */}
      <Route path="/client/pods" element={<Navigate to="/pods" replace />} />
      <Route path="/client/pods/deploy" element={<Navigate to="/deploy" replace />} />
      <Route path="/admin/pods/deploy" element={<Navigate to="/deploy" replace />} />
      <Route path="/client/settings" element={<Navigate to="/account" replace />} />
      <Route path="/client/stats" element={<Navigate to="/account" replace />} />
      <Route path="/client/help" element={<Navigate to="/help" replace />} />
      <Route path="/admin/help" element={<Navigate to="/help" replace />} />
      <Route path="/admin/settings" element={<Navigate to="/admin/pricing" replace />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  )
}

/** A language change refetches what is on screen: the server's own texts come in the new one. */
function RefetchOnLanguage() {
  const { lang } = useT()
  const client = useQueryClient()
  const first = useRef(lang)
  useEffect(() => {
    if (lang !== first.current) void client.invalidateQueries()
  }, [lang, client])
  return null
}

export function App({ client, lang }: { client: QueryClient; lang?: Lang }) {
  return (
    <QueryClientProvider client={client}>
      <I18nProvider initial={lang}>
        <RefetchOnLanguage />
        <ToastProvider>
          <BrowserRouter>
            <SessionWatch />
            <AppRoutes />
          </BrowserRouter>
        </ToastProvider>
      </I18nProvider>
    </QueryClientProvider>
  )
}
