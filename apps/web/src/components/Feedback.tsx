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

export function Loading({ compact }: { compact?: boolean } = {}) {
  const { t } = useT()
  return (
    <div className={compact ? 'empty-compact' : 'empty'}>
      <Spinner label={t('common.loading')} />
    </div>
  )
}

export interface EmptyState<T> {
  /** The answer holds nothing to show (an answer of null always counts as nothing) */
  when?: (data: T) => boolean
  title: string
  /** A hint or the way forward (a link to deploy, …) */
  children?: ReactNode
}

export interface LoadStateProps<T> {
  /** The server's answer; undefined until the first one arrives, null when there is none (gone) */
  data: T | null | undefined
  /** Why loading failed, in the user's language; null when it did not */
  error: string | null
  onRetry?: () => void
  empty?: EmptyState<T>
  /** Inside a card or a dialog: no card of its own around the empty text, a small spinner */
  compact?: boolean
  children: (data: T) => ReactNode
}

/**
 * The one way a view shows something it loads: a spinner until the first answer, the failure with
 * its reason and a retry (above what was loaded before, which stays useful), the empty state, or
 * the content. Never a silent fallback to made-up data.
 */
export function LoadState<T>({ data, error, onRetry, empty, compact, children }: LoadStateProps<T>) {
  const failure = error ? <LoadError message={error} onRetry={onRetry} /> : null
  if (data === undefined) return failure ?? <Loading compact={compact} />
  const content =
    data !== null && !empty?.when?.(data) ? (
      children(data)
    ) : empty ? (
      <EmptyNote title={empty.title} compact={compact}>
        {empty.children}
      </EmptyNote>
    ) : null
  return (
    <>
      {failure}
      {content}
    </>
  )
}

function EmptyNote({ title, compact, children }: { title: string; compact?: boolean; children?: ReactNode }) {
  return compact ? (
    <div className="empty-compact">
      <p className="muted">{title}</p>
      {children}
    </div>
  ) : (
    <div className="empty card">
      <h3>{title}</h3>
      {children}
    </div>
  )
}

function LoadError({ message, onRetry }: { message: string; onRetry?: () => void }) {
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
