import { CloseIcon } from '../icons/CloseIcon'
import type { Toast } from './ToastContext'

interface ToastsProps {
  toasts: Toast[]
  onDismiss: (id: number) => void
}

/** The page's live region: screen readers announce each toast as it is added. */
export function Toasts({ toasts, onDismiss }: ToastsProps) {
  return (
    <section className="toasts" aria-label="Notifications">
      <ol aria-live="polite" aria-relevant="additions text">
        {toasts.map((toast) => (
          <li key={toast.id} className={`toast toast--${toast.tone}`} data-testid="toast" data-tone={toast.tone}>
            <span className="toast__message">{toast.message}</span>
            <button type="button" className="toast__dismiss" aria-label="Dismiss notification" onClick={() => onDismiss(toast.id)}>
              <CloseIcon />
            </button>
          </li>
        ))}
      </ol>
    </section>
  )
}
