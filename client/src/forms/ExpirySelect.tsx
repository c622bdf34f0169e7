import { EXPIRY_PRESETS, formatExpiry, type ExpiryChoice } from './expiry'
import { Field } from './Field'

interface ExpirySelectProps {
  value: ExpiryChoice
  onChange: (value: ExpiryChoice) => void
  /** Editing: the current expiry, offered first as "keep". */
  current?: string | null
  label?: string
  hint?: string
}

export function ExpirySelect({ value, onChange, current, label = 'Expires after', hint }: ExpirySelectProps) {
  return (
    <Field label={label} hint={hint}>
      {(control) => (
        <select {...control} value={value} onChange={(event) => onChange(event.target.value as ExpiryChoice)}>
          {current !== undefined && <option value="keep">Keep: {formatExpiry(current).toLowerCase()}</option>}
          {EXPIRY_PRESETS.map((preset) => (
            <option key={preset.id} value={preset.id}>
              {preset.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}
