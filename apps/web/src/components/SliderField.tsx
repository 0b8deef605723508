import { type ReactNode, useId } from 'react'
import { FieldErrors } from './Field'

export interface SliderFieldProps {
  label: string
  value: number
  min: number
  max: number
  step?: number
  unit: string
  onChange: (value: number) => void
  aside?: ReactNode
  errors?: string[]
}

/** A range slider paired with a number box, both bounded by the same limits. */
export function SliderField({
  label,
  value,
  min,
  max,
  step = 1,
  unit,
  onChange,
  aside,
  errors,
}: SliderFieldProps) {
  const id = useId()
  const clamp = (n: number) => Math.min(max, Math.max(min, Math.round(n)))
  return (
    <div className="field">
      <div className="row-between">
        <label htmlFor={id}>{label}</label>
        {aside && <span className="small muted">{aside}</span>}
      </div>
      <div className="slider-row">
        <input
          id={id}
          type="range"
          min={min}
          max={max}
          step={step}
          value={value}
          onChange={(e) => onChange(clamp(Number(e.target.value)))}
          aria-valuetext={`${value} ${unit}`}
        />
        <span className="row" style={{ flexWrap: 'nowrap', gap: '0.3rem' }}>
          <input
            className="input num"
            type="number"
            min={min}
            max={max}
            value={value}
            aria-label={`${label} (${unit})`}
            onChange={(e) => {
              if (e.target.value !== '') onChange(clamp(Number(e.target.value)))
            }}
          />
          <span className="small muted">{unit}</span>
        </span>
      </div>
      <span className="hint">
        {min}–{max} {unit}
      </span>
      <FieldErrors errors={errors} />
    </div>
  )
}
