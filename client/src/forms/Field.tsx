import { useId, type ReactNode } from 'react'

/** What the control inside a Field spreads onto itself, to be named by the label and described by the hint. */
export interface FieldControl {
  id: string
  'aria-describedby'?: string
}

interface FieldProps {
  label: ReactNode
  /** Shown below the control, and read out with it. */
  hint?: ReactNode
  children: (control: FieldControl) => ReactNode
}

/** A labelled form control with an optional hint. */
export function Field({ label, hint, children }: FieldProps) {
  const id = useId()
  const hintId = `${id}-hint`
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children(hint ? { id, 'aria-describedby': hintId } : { id })}
      {hint && (
        <p id={hintId} className="field__hint field__hint--below">
          {hint}
        </p>
      )}
    </div>
  )
}
