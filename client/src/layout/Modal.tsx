import { useEffect, useId, useRef, type MouseEvent, type ReactNode } from 'react'
import { CloseIcon } from '../icons/CloseIcon'

interface ModalProps {
  title: string
  /** The close button's accessible name. */
  closeLabel?: string
  testId?: string
  /** The file detail's width; forms are narrower. */
  wide?: boolean
  onClose: () => void
  /** A function gets `close`, for buttons inside that end the dialog the way Escape does. */
  children: ReactNode | ((close: () => void) => ReactNode)
}

/** A modal `<dialog>`: the browser traps focus, closes it on Escape and gives focus back to what opened it. */
export function Modal({ title, closeLabel = 'Close', testId, wide = false, onClose, children }: ModalProps) {
  const dialogRef = useRef<HTMLDialogElement>(null)
  const titleId = useId()

  useEffect(() => {
    const dialog = dialogRef.current
    if (dialog && !dialog.open) dialog.showModal()
  }, [])

  const close = () => dialogRef.current?.close()
  // A click that lands on the dialog element itself is on the backdrop around the content.
  const onDialogClick = (event: MouseEvent<HTMLDialogElement>) => {
    if (event.target === event.currentTarget) close()
  }

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the click is on the backdrop; keyboards close a dialog with Escape, which <dialog> handles
    <dialog
      ref={dialogRef}
      className={wide ? 'detail' : 'detail modal'}
      aria-labelledby={titleId}
      data-testid={testId}
      onClose={onClose}
      onClick={onDialogClick}
    >
      <div className="detail__content">
        <header className="detail__header">
          <h2 id={titleId} className="detail__title">
            {title}
          </h2>
          <button type="button" className="icon-button" aria-label={closeLabel} onClick={close}>
            <CloseIcon size={20} />
          </button>
        </header>
        {typeof children === 'function' ? children(close) : children}
      </div>
    </dialog>
  )
}
