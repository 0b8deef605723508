import type { ReactNode } from 'react'
import { useT } from '../i18n'
import { Button } from './Button'

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="row muted" role="status">
      <span className="spinner" aria-hidden="true" />
      {label && <span>{label}</span>}
    </span>
  )
}

export function Loading() {
  const { t } = useT()
  return (
    <div className="empty">
      <Spinner label={t('common.loading')} />
    </div>
  )
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty card">
      <h3>{title}</h3>
      {children}
    </div>
  )
}

/** A failed load with the reason and a way to try again, never a silent fallback to fake data. */
export function LoadError({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useT()
  return (
    <div className="alert alert-bad row-between" role="alert">
      <span>{message}</span>
      {onRetry && (
        <Button size="sm" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      )}
    </div>
  )
}

export function Alert({ tone, children }: { tone: 'info' | 'warn' | 'bad' | 'ok'; children: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'bad' ? 'alert' : 'status'}>
      {children}
    </div>
  )
}

export type BadgeTone = 'ok' | 'warn' | 'bad' | 'info' | 'primary' | 'neutral'

export function Badge({
  tone = 'neutral',
  dot,
  pulse,
  children,
}: {
  tone?: BadgeTone
  dot?: boolean
  pulse?: boolean
  children: ReactNode
}) {
  return (
    <span className={`badge${tone === 'neutral' ? '' : ` badge-${tone}`}`}>
      {dot && <span className={`dot${pulse ? ' pulse' : ''}`} aria-hidden="true" />}
      {children}
    </span>
  )
}

export function ProgressBar({ value, tone, label }: { value: number; tone?: 'ok' | 'bad'; label: string }) {
  const v = Math.max(0, Math.min(100, value))
  return (
    <div
      className={`progress${tone ? ` ${tone}` : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(v)}
    >
      <span style={{ width: `${v}%` }} />
    </div>
  )
}
