import { Field } from './Field'

interface NoteFieldProps {
  label: string
  value: string
  onChange: (value: string) => void
  placeholder?: string
}

/** A few lines of free text shown to the people a link is for. */
export function NoteField({ label, value, onChange, placeholder }: NoteFieldProps) {
  return (
    <Field label={label}>
      {(control) => <textarea {...control} rows={3} value={value} onChange={(event) => onChange(event.target.value)} placeholder={placeholder} />}
    </Field>
  )
}
