import type { ReactNode } from 'react'
import { Field } from './Field'

interface LimitFieldProps {
  label: string
  value: string
  onChange: (value: string) => void
  hint?: string
  /** `decimal` for amounts such as 1.5 (GiB); whole numbers otherwise. */
  inputMode?: 'numeric' | 'decimal'
  /** Beside the input, such as a unit select. */
  addon?: ReactNode
}

/** An optional upper limit typed as a number; empty means none. */
export function LimitField({ label, value, onChange, hint, inputMode = 'numeric', addon }: LimitFieldProps) {
  return (
    <Field label={label} hint={hint}>
      {(control) => {
        const input = (
          <input {...control} inputMode={inputMode} value={value} placeholder="No limit" onChange={(event) => onChange(event.target.value)} />
        )
        return addon ? (
          <div className="field__with-addon">
            {input}
            {addon}
          </div>
        ) : (
          input
        )
      }}
    </Field>
  )
}
