import { useEffect, useRef, useState } from 'react'
import { useT } from '../../i18n'

interface GoogleId {
  accounts: {
    id: {
      initialize(options: { client_id: string; callback: (response: { credential: string }) => void }): void
      renderButton(element: HTMLElement, options: Record<string, unknown>): void
    }
  }
}

const SCRIPT = 'https://accounts.google.com/gsi/client'

function loadGoogle(): Promise<GoogleId> {
  const w = window as unknown as { google?: GoogleId }
  if (w.google?.accounts) return Promise.resolve(w.google)
  return new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = SCRIPT
    script.async = true
    script.onload = () => (w.google ? resolve(w.google) : reject(new Error('Google Sign-In did not load')))
    script.onerror = () => reject(new Error('Google Sign-In could not be loaded'))
    document.head.appendChild(script)
  })
}

/** Google's own button (Google Identity Services); the ID token is verified by our server. */
export function GoogleButton({
  clientId,
  mode,
  onCredential,
}: {
  clientId: string
  mode: 'login' | 'signup'
  onCredential: (token: string) => void
}) {
  const ref = useRef<HTMLDivElement>(null)
  const { lang, t } = useT()
  const [failed, setFailed] = useState(false)
  const callback = useRef(onCredential)
  callback.current = onCredential
  useEffect(() => {
    let cancelled = false
    loadGoogle().then(
      (google) => {
        if (cancelled || !ref.current) return
        google.accounts.id.initialize({
          client_id: clientId,
          callback: (r) => callback.current(r.credential),
        })
        google.accounts.id.renderButton(ref.current, {
          theme: 'outline',
          size: 'large',
          text: mode === 'signup' ? 'signup_with' : 'signin_with',
          locale: lang,
          width: 320,
        })
      },
      () => !cancelled && setFailed(true),
    )
    return () => {
      cancelled = true
    }
  }, [clientId, mode, lang])
  if (failed) return <p className="small muted">{t('auth.googleUnavailable')}</p>
  return <div ref={ref} style={{ minHeight: 44, display: 'flex', justifyContent: 'center' }} />
}
