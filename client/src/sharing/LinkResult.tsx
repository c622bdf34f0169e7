import { QRCodeSVG } from 'qrcode.react'
import { useId, type ReactNode } from 'react'
import { CopyButton } from '../files/CopyButton'

interface LinkResultProps {
  url: string
  label: string
  /** What the link lets its holders do. */
  children: ReactNode
  onDone: () => void
}

/** A public link just made, ready to pass on: what it does, selectable text, a copy button, a QR code for phones, then Done. */
export function LinkResult({ url, label, children, onDone }: LinkResultProps) {
  const id = useId()
  return (
    <>
      <p className="message message--info" role="status">
        {children}
      </p>
      <div className="link-result" data-testid="link-result">
        <label className="field__label" htmlFor={id}>
          {label}
        </label>
        <div className="link-result__row">
          <input id={id} className="link-result__url mono" readOnly value={url} onFocus={(event) => event.currentTarget.select()} />
          <CopyButton text={url} label={`Copy ${label.toLowerCase()}`} />
        </div>
        {/* Dark modules on white whatever the theme: scanners expect that contrast. */}
        <div className="link-result__qr">
          <QRCodeSVG value={url} size={168} marginSize={2} bgColor="#ffffff" fgColor="#000000" title={`QR code of the ${label.toLowerCase()}`} />
        </div>
      </div>
      <div className="button-row">
        {/* biome-ignore lint/a11y/noAutofocus: the form that had focus is replaced by its result; focus moves to its one action */}
        <button type="button" className="button button--primary" onClick={onDone} autoFocus>
          Done
        </button>
      </div>
    </>
  )
}
