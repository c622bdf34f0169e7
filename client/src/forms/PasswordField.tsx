import { Field } from './Field'
import type { PasswordChoice } from './password'

interface PasswordFieldProps {
  value: PasswordChoice
  onChange: (value: PasswordChoice) => void
  minLength: number
  /** Who must type it, and when: "Visitors must enter it before they see the files." */
  purpose: string
  /** Editing something that has a password: an empty field keeps it, and a checkbox removes it. */
  hasPassword?: boolean
}

/** The optional password of a share or a file request. */
export function PasswordField({ value, onChange, minLength, purpose, hasPassword = false }: PasswordFieldProps) {
  return (
    <>
      <Field
        label={hasPassword ? 'New password (empty keeps the current one)' : 'Password (optional)'}
        hint={`${purpose} At least ${minLength} characters.`}
      >
        {(control) => (
          <input
            {...control}
            type="password"
            autoComplete="new-password"
            value={value.text}
            disabled={value.remove}
            onChange={(event) => onChange({ ...value, text: event.target.value })}
          />
        )}
      </Field>
      {hasPassword && (
        <label className="checkbox">
          <input type="checkbox" checked={value.remove} onChange={(event) => onChange({ ...value, remove: event.target.checked })} />
          Remove the password
        </label>
      )}
    </>
  )
}
