import type { ReactNode } from 'react'

interface FormFooterProps {
  error: string | null
  busy: boolean
  submitLabel: string
  busyLabel?: string
  /** The submit button waits for something to send. */
  disabled?: boolean
  /** A Cancel button, as dialogs have. */
  onCancel?: () => void
  /** Other buttons, after the submit button. */
  children?: ReactNode
}

/** The end of a form: what went wrong, if anything, then the submit button and the way out. */
export function FormFooter({ error, busy, submitLabel, busyLabel = 'Saving…', disabled = false, onCancel, children }: FormFooterProps) {
  return (
    <>
      {error && (
        <p className="message message--error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={busy || disabled}>
          {busy ? busyLabel : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        {children}
      </div>
    </>
  )
}
