import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react'
import { useT } from '../i18n'

export type ToastTone = 'info' | 'ok' | 'warn' | 'bad'
export interface Toast {
  id: number
  tone: ToastTone
  title: string
  body?: string
  /** One button that acts on the toast's subject (e.g. Keep running); the toast closes after it */
  action?: { label: string; run: () => void }
}

interface ToastApi {
  show(toast: Omit<Toast, 'id'>): void
}

const ToastContext = createContext<ToastApi>({ show: () => {} })

const LIFETIME_MS: Record<ToastTone, number> = { info: 5000, ok: 5000, warn: 10000, bad: 10000 }
const MAX_VISIBLE = 5

/** One toast system for the whole app; several toasts can be on screen at once. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const nextId = useRef(1)
  const { t } = useT()
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((x) => x.id !== id)), [])
  const show = useCallback(
    (toast: Omit<Toast, 'id'>) => {
      const id = nextId.current++
      setToasts((list) => [...list, { ...toast, id }].slice(-MAX_VISIBLE))
      setTimeout(() => dismiss(id), LIFETIME_MS[toast.tone])
    },
    [dismiss],
  )
  const api = useMemo(() => ({ show }), [show])
  return (
    <ToastContext.Provider value={api}>
      {children}
      <section className="toasts" aria-live="polite" aria-label={t('common.notifications')}>
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`toast toast-${toast.tone}`}
            role={toast.tone === 'bad' ? 'alert' : 'status'}
          >
            <div>
              <strong>{toast.title}</strong>
              {toast.body && <span className="small muted">{toast.body}</span>}
            </div>
            {toast.action && (
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => {
                  toast.action?.run()
                  dismiss(toast.id)
                }}
              >
                {toast.action.label}
              </button>
            )}
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => dismiss(toast.id)}
              aria-label={t('common.dismiss')}
            >
              ✕
            </button>
          </div>
        ))}
      </section>
    </ToastContext.Provider>
  )
}

export function useToast(): ToastApi {
  return useContext(ToastContext)
}
