import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { api } from '../../api/api'
import { errorMessage, fieldErrors } from '../../api/errors'
import { authConfigQuery, authKeys } from '../../api/queries/auth'
import type { User } from '../../api/types'
import { homeFor, safeNext, useMe } from '../../auth/session'
import { Button } from '../../components/Button'
import { Alert, Loading } from '../../components/Feedback'
import { Field } from '../../components/Field'
import { useT } from '../../i18n'
import { LanguageSelect } from '../../shell/LanguageSelect'
import { GoogleButton } from './GoogleButton'

type Mode = 'login' | 'signup'

/**
 * After signing in, `?next=` (a same-origin path, e.g. the pod-URL proxy's authorize step) is
 * opened with a full page load, since it may be a server route rather than one of this app's.
 */
function leave(user: User, next: string | null, navigate: (to: string) => void) {
  if (next) window.location.assign(next)
  else navigate(homeFor(user))
}

export function LoginPage({ mode }: { mode: Mode }) {
  const { t } = useT()
  const [params] = useSearchParams()
  const next = safeNext(params.get('next'))
  const navigate = useNavigate()
  const client = useQueryClient()
  const { me } = useMe()
  const config = useQuery(authConfigQuery())
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [name, setName] = useState('')
  const [devEmail, setDevEmail] = useState('')
  // `?switch=1` (the 403 page of a private pod port): sign out first, then sign in as someone else.
  const [switching, setSwitching] = useState(params.get('switch') === '1')
  const signOut = useMutation({
    mutationFn: api.auth.logout,
    onSettled: () => {
      client.setQueryData(authKeys.me, null)
      setSwitching(false)
    },
  })
  const signOutMutate = signOut.mutate
  const signingOut = signOut.isPending || signOut.isSuccess

  useEffect(() => {
    if (switching && me && !signingOut) signOutMutate()
    else if (switching && me === null) setSwitching(false)
  }, [switching, me, signingOut, signOutMutate])

  useEffect(() => {
    if (me && !switching) leave(me, next, (to) => void navigate(to, { replace: true }))
  }, [me, next, navigate, switching])

  // Storing the user is enough: the effect above then leaves the page, exactly once.
  const signedIn = (user: User) => client.setQueryData(authKeys.me, user)
  const password_ = useMutation({
    mutationFn: () =>
      mode === 'signup'
        ? api.auth.register({ email: email.trim(), password, name: name.trim() })
        : api.auth.login(email.trim(), password),
    onSuccess: signedIn,
  })
  const google = useMutation({ mutationFn: api.auth.google, onSuccess: signedIn })
  const dev = useMutation({ mutationFn: api.auth.devLogin, onSuccess: signedIn })

  const errors = fieldErrors(password_.error)
  const problem =
    password_.error && Object.keys(errors).length === 0
      ? errorMessage(password_.error, t('auth.failed'))
      : null
  const localErrors: Record<string, string[]> = {}
  if (mode === 'signup' && password && password.length < 8) localErrors.password = [t('auth.passwordShort')]
  const otherError = google.error ?? dev.error
  const switchLink = (to: string) => (next ? `${to}?next=${encodeURIComponent(next)}` : to)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (Object.keys(localErrors).length === 0) password_.mutate()
  }
  if (me) return <Loading />
  return (
    <div className="auth-wrap">
      <div className="card auth-card stack">
        <div className="row-between">
          <Link className="brand" to="/">
            <img src="/favicon.svg" alt="" />
            NeuroPod
          </Link>
          <LanguageSelect />
        </div>
        <div>
          <h1>{mode === 'signup' ? t('auth.signUpTitle') : t('auth.signInTitle')}</h1>
          <p className="muted">{mode === 'signup' ? t('auth.signUpSubtitle') : t('auth.signInSubtitle')}</p>
          {next && <Alert tone="info">{t('auth.continueTo')}</Alert>}
        </div>
        <form
          className="stack"
          onSubmit={submit}
          noValidate
          aria-label={mode === 'signup' ? t('auth.signUp') : t('auth.signIn')}
        >
          {mode === 'signup' && (
            <Field label={t('auth.name')} errors={errors.name}>
              <input
                className="input"
                autoComplete="name"
                value={name}
                required
                onChange={(e) => setName(e.target.value)}
              />
            </Field>
          )}
          <Field label={t('auth.email')} errors={errors.email}>
            <input
              className="input"
              type="email"
              autoComplete="email"
              value={email}
              required
              onChange={(e) => setEmail(e.target.value)}
            />
          </Field>
          <Field
            label={t('auth.password')}
            hint={mode === 'signup' ? t('auth.passwordHint') : undefined}
            errors={[...(localErrors.password ?? []), ...(errors.password ?? [])]}
          >
            <input
              className="input"
              type="password"
              autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
              value={password}
              required
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
          {problem && <Alert tone="bad">{problem}</Alert>}
          <Button type="submit" variant="primary" loading={password_.isPending}>
            {mode === 'signup' ? t('auth.createAccount') : t('auth.signIn')}
          </Button>
        </form>
        {config.data?.googleClientId && (
          <>
            <div className="divider">{t('auth.or')}</div>
            <GoogleButton
              clientId={config.data.googleClientId}
              mode={mode}
              onCredential={(token) => google.mutate(token)}
            />
          </>
        )}
        {config.data?.devLogin && (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault()
              dev.mutate(devEmail.trim())
            }}
            aria-label={t('auth.devTitle')}
          >
            <div className="divider">{t('auth.devTitle')}</div>
            <Field label={t('auth.email')} hint={t('auth.devHint')}>
              <input
                className="input"
                type="email"
                value={devEmail}
                onChange={(e) => setDevEmail(e.target.value)}
              />
            </Field>
            <Button type="submit" loading={dev.isPending}>
              {t('auth.devSubmit')}
            </Button>
          </form>
        )}
        {otherError && <Alert tone="bad">{errorMessage(otherError, t('auth.failed'))}</Alert>}
        <p className="small">
          {mode === 'signup' ? (
            <>
              {t('auth.haveAccount')} <Link to={switchLink('/login')}>{t('auth.signIn')}</Link>
            </>
          ) : (
            <>
              {t('auth.noAccount')} <Link to={switchLink('/signup')}>{t('auth.signUp')}</Link>
            </>
          )}
        </p>
        {config.data?.restrictedEmails && mode === 'signup' && (
          <p className="small muted">{t('auth.restricted')}</p>
        )}
      </div>
    </div>
  )
}
