import { useId } from 'react'
import { EXPIRY_PRESETS, formatExpiry, type ExpiryPreset } from './expiry'

/** `keep` leaves the current expiry as it is (when editing). */
export type ExpiryChoice = ExpiryPreset | 'keep'

interface ExpirySelectProps {
  value: ExpiryChoice
  onChange: (value: ExpiryChoice) => void
  /** Editing: the current expiry, offered first as "keep". */
  current?: string | null
  label?: string
}

export function ExpirySelect({ value, onChange, current, label = 'Expires after' }: ExpirySelectProps) {
  const id = useId()
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as ExpiryChoice)}>
        {current !== undefined && <option value="keep">Keep: {formatExpiry(current).toLowerCase()}</option>}
        {EXPIRY_PRESETS.map((preset) => (
          <option key={preset.id} value={preset.id}>
            {preset.id === 'never' ? 'Never' : preset.label}
          </option>
        ))}
      </select>
    </div>
  )
}
