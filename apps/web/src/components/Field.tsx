import { cloneElement, type ReactElement, type ReactNode, useId } from 'react'

export interface FieldProps {
  label: ReactNode
  hint?: ReactNode
  errors?: string[]
  /** A single control; it receives id, aria-describedby and aria-invalid */
  children: ReactElement<Record<string, unknown>>
}

/** A labelled control with its hint and its problems (client checks and the server's 400 alike). */
export function Field({ label, hint, errors, children }: FieldProps) {
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const invalid = Boolean(errors && errors.length > 0)
  const describedBy = [hint ? hintId : null, invalid ? errorId : null].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-describedby': describedBy, 'aria-invalid': invalid || undefined })}
      {hint && (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      )}
      {invalid && (
        <ul className="field-error" id={errorId}>
          {errors!.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

export function FieldErrors({ errors, id }: { errors?: string[]; id?: string }) {
  if (!errors || errors.length === 0) return null
  return (
    <ul className="field-error" id={id} role="alert">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  )
}
