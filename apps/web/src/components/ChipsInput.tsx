import { type KeyboardEvent, useId, useState } from 'react'
import { useT } from '../i18n'
import { FieldErrors } from './Field'

export interface ChipsInputProps {
  label: string
  hint?: string
  values: number[]
  /** Returns an error message when the text cannot be added, or null after adding it */
  onAdd: (text: string) => string | null
  onRemove: (value: number) => void
  describe?: (value: number) => string | undefined
  errors?: string[]
  placeholder?: string
}

/** Numbers as removable chips: type and press Enter, comma or space; Backspace removes the last. */
export function ChipsInput({
  label,
  hint,
  values,
  onAdd,
  onRemove,
  describe,
  errors,
  placeholder,
}: ChipsInputProps) {
  const id = useId()
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const { t } = useT()
  const commit = () => {
    if (!text.trim()) return
    const error = onAdd(text)
    setProblem(error)
    if (!error) setText('')
  }
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',' || e.key === ' ') {
      e.preventDefault()
      commit()
    } else if (e.key === 'Backspace' && !text && values.length > 0) {
      onRemove(values[values.length - 1]!)
    }
  }
  const allErrors = [...(problem ? [problem] : []), ...(errors ?? [])]
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="chips">
        {values.map((v) => (
          <span className="chip" key={v} title={describe?.(v)}>
            {v}
            {describe?.(v) ? <span className="small"> · {describe(v)}</span> : null}
            <button
              type="button"
              onClick={() => onRemove(v)}
              aria-label={t('common.removeItem', { item: String(v) })}
            >
              ×
            </button>
          </span>
        ))}
        <input
          id={id}
          value={text}
          inputMode="numeric"
          placeholder={placeholder}
          aria-invalid={allErrors.length > 0 || undefined}
          aria-describedby={`${id}-hint ${id}-err`}
          onChange={(e) => {
            setText(e.target.value)
            setProblem(null)
          }}
          onKeyDown={onKeyDown}
          onBlur={commit}
        />
      </div>
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      <FieldErrors errors={allErrors} id={`${id}-err`} />
    </div>
  )
}
