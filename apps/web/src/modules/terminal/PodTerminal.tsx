import '@xterm/xterm/css/xterm.css'
import { FitAddon } from '@xterm/addon-fit'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { Terminal } from '@xterm/xterm'
import { useEffect, useRef, useState } from 'react'
import type { Pod } from '../../api/types'
import { Button } from '../../components/Button'
import { Alert } from '../../components/Feedback'
import { useT } from '../../i18n'
import { openTerminal } from './terminal-socket'

type Phase =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'ended'; code: number | null }
  | { kind: 'refused'; message: string }
  | { kind: 'disconnected' }

/**
 * A shell in the pod (xterm.js): typed keys go to the pod, its output comes back, the terminal
 * follows the size of its box and the window. Leaving the page or closing the tab ends the shell.
 */
export function PodTerminal({ pod }: { pod: Pod }) {
  const { t } = useT()
  const running = pod.status === 'running'
  const [attempt, setAttempt] = useState(0)
  const [phase, setPhase] = useState<Phase>({ kind: 'connecting' })
  const box = useRef<HTMLDivElement>(null)

  // biome-ignore lint/correctness/useExhaustiveDependencies: each attempt opens a new shell
  useEffect(() => {
    if (!running || !box.current) return
    setPhase({ kind: 'connecting' })
    const term = new Terminal({
      cursorBlink: true,
      convertEol: false,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 14,
      scrollback: 5000,
    })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.loadAddon(new WebLinksAddon())
    term.open(box.current)
    fit.fit()
    const decoder = new TextDecoder()
    const connection = openTerminal(
      pod.podId,
      { cols: term.cols, rows: term.rows },
      {
        onOpen: () => {
          setPhase({ kind: 'open' })
          term.focus()
        },
        onData: (bytes) => term.write(decoder.decode(bytes, { stream: true })),
        onExit: (code) => setPhase({ kind: 'ended', code }),
        onRefused: (ack) =>
          setPhase(
            ack.code === 'NOT_RUNNING'
              ? { kind: 'refused', message: t('terminal.notRunning') }
              : { kind: 'refused', message: t('terminal.refused', { message: ack.message }) },
          ),
        onDisconnected: () => setPhase((p) => (p.kind === 'ended' ? p : { kind: 'disconnected' })),
      },
    )
    const input = term.onData((data) => connection.send(data))
    const resized = term.onResize(({ cols, rows }) => connection.resize(cols, rows))
    // The box follows the window and the layout; the terminal follows the box.
    const observer = new ResizeObserver(() => fit.fit())
    observer.observe(box.current)
    return () => {
      observer.disconnect()
      input.dispose()
      resized.dispose()
      connection.close()
      term.dispose()
    }
  }, [pod.podId, running, attempt, t])

  if (!running) return <Alert tone="info">{t('terminal.notRunning')}</Alert>
  return (
    <section className="stack" aria-label={t('terminal.label', { name: pod.podName })}>
      <div className="row">
        <span className="small muted">{t('terminal.hint')}</span>
        <span className="spacer" />
        <a
          className="btn btn-sm"
          href={`/pods/${encodeURIComponent(pod.podId)}?tab=terminal`}
          target="_blank"
          rel="noreferrer"
        >
          {t('terminal.newTab')}
        </a>
      </div>
      {phase.kind === 'connecting' && <p className="small muted">{t('terminal.connecting')}</p>}
      {phase.kind === 'refused' && <Alert tone="bad">{phase.message}</Alert>}
      {phase.kind === 'disconnected' && <Alert tone="warn">{t('terminal.disconnected')}</Alert>}
      {phase.kind === 'ended' && (
        <Alert tone="info">
          {phase.code === null ? t('terminal.endedNoCode') : t('terminal.ended', { code: phase.code })}
        </Alert>
      )}
      {(phase.kind === 'ended' || phase.kind === 'disconnected' || phase.kind === 'refused') && (
        <div>
          <Button onClick={() => setAttempt((n) => n + 1)}>{t('terminal.reopen')}</Button>
        </div>
      )}
      <div
        ref={box}
        className="terminal-box"
        data-testid="terminal"
        style={{ height: 'min(70vh, 36rem)', background: '#000', padding: '0.25rem', borderRadius: '0.5rem' }}
      />
    </section>
  )
}
