import { useState } from 'react'
import { useT } from '../i18n'
import { Button } from './Button'

/** Copies text to the clipboard and says so; a refused clipboard says that too. */
export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useT()
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setState('copied')
    } catch {
      setState('failed')
    }
    setTimeout(() => setState('idle'), 2000)
  }
  return (
    <Button size="sm" onClick={copy} aria-label={label ?? t('common.copy')}>
      {state === 'copied'
        ? t('common.copied')
        : state === 'failed'
          ? t('common.copyFailed')
          : t('common.copy')}
    </Button>
  )
}
