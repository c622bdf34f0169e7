import { QRCodeSVG } from 'qrcode.react'
import { useId } from 'react'
import { CopyButton } from '../files/CopyButton'

/** A public link ready to pass on: selectable text, a copy button and a QR code for phones. */
export function LinkResult({ url, label }: { url: string; label: string }) {
  const id = useId()
  return (
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
  )
}
