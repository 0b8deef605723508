import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react'
import type { LogLine, Pod } from '../../api/types'
import { Button } from '../../components/Button'
import { Dialog } from '../../components/Dialog'
import { Badge, LoadState } from '../../components/Feedback'
import { useT } from '../../i18n'
import { usePodLogs } from './usePodLogs'

export const TAIL_CHOICES = [100, 500, 1000, 5000] as const

export function formatLogLine(line: LogLine): string {
  return `${line.timestamp ?? ''} [${line.stream}] ${line.message}`.trim()
}

function highlight(text: string, search: string): ReactNode {
  if (!search) return text
  const parts: ReactNode[] = []
  const lower = text.toLowerCase()
  const needle = search.toLowerCase()
  let from = 0
  let i = lower.indexOf(needle)
  while (i !== -1) {
    if (i > from) parts.push(text.slice(from, i))
    parts.push(<mark key={i}>{text.slice(i, i + needle.length)}</mark>)
    from = i + needle.length
    i = lower.indexOf(needle, from)
  }
  if (from < text.length) parts.push(text.slice(from))
  return parts
}

/** The pod's output: the last lines, then live ones; searchable, limited, downloadable. */
export function LogViewer({ pod }: { pod: Pod }) {
  const { t, locale } = useT()
  const [tail, setTail] = useState<number>(500)
  const [follow, setFollow] = useState(true)
  const [search, setSearch] = useState('')
  const [refresh, setRefresh] = useState(0)
  const logs = usePodLogs(pod.podId, tail, follow, refresh)
  const box = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  const shown = useMemo(
    () =>
      search ? logs.lines.filter((l) => l.message.toLowerCase().includes(search.toLowerCase())) : logs.lines,
    [logs.lines, search],
  )
  // Keep the newest line in view while following, unless the user scrolled up to read.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shown` changing is the trigger
  useEffect(() => {
    const el = box.current
    if (el && follow && atBottom.current) el.scrollTop = el.scrollHeight
  }, [shown, follow])

  const download = () => {
    const text = logs.lines.map(formatLogLine).join('\n')
    const blob = new Blob([`${text}\n`], { type: 'text/plain' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `${pod.podName}-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 1000)
  }
  const timeFormat = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })

  return (
    <div className="stack">
      <div className="row">
        <label className="row small">
          {t('logs.lines')}
          <select
            className="input"
            style={{ width: 'auto' }}
            value={tail}
            onChange={(e) => setTail(Number(e.target.value))}
          >
            {TAIL_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox small">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          {t('logs.follow')}
        </label>
        <input
          className="input"
          style={{ maxWidth: '16rem' }}
          type="search"
          placeholder={t('logs.search')}
          aria-label={t('logs.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <span className="spacer" />
        <Button size="sm" onClick={() => setRefresh((n) => n + 1)}>
          {t('logs.reload')}
        </Button>
        <Button size="sm" onClick={download} disabled={logs.lines.length === 0}>
          {t('logs.download')}
        </Button>
      </div>
      <div className="row small">
        {logs.live ? (
          <Badge tone="ok" dot pulse>
            {t('logs.live')}
          </Badge>
        ) : (
          <Badge>{follow ? t('logs.notLive') : t('logs.paused')}</Badge>
        )}
        <span className="muted" aria-live="polite">
          {search
            ? t('logs.matches', { count: shown.length, total: logs.lines.length })
            : t('logs.count', { count: logs.lines.length })}
        </span>
      </div>
      {logs.unavailable && <div className="alert alert-warn">{logs.unavailable}</div>}
      <div
        ref={box}
        className="logs"
        role="log"
        aria-label={t('logs.title', { name: pod.podName })}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable to scroll it with the keyboard
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24
        }}
      >
        <LoadState
          compact
          data={logs.loading && shown.length === 0 ? undefined : shown}
          error={null}
          empty={{
            when: (lines) => lines.length === 0,
            title: search ? t('logs.noMatches') : t('logs.empty'),
          }}
        >
          {(lines) =>
            lines.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no id and never reorder
              <div key={i} className={line.stream}>
                <span className="ts">
                  {line.timestamp ? timeFormat.format(new Date(line.timestamp)) : ''}
                </span>
                {highlight(line.message, search)}
              </div>
            ))
          }
        </LoadState>
      </div>
    </div>
  )
}

export function LogsDialog({ pod, open, onClose }: { pod: Pod; open: boolean; onClose: () => void }) {
  const { t } = useT()
  return (
    <Dialog open={open} onClose={onClose} wide title={t('logs.title', { name: pod.podName })}>
      <LogViewer pod={pod} />
    </Dialog>
  )
}
