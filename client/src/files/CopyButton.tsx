import { useState } from 'react'

/** Hidden where the Clipboard API is missing (plain-HTTP installs); the text stays selectable. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false)
  if (!navigator.clipboard) return null

  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => {
        setCopied(true)
        window.setTimeout(() => setCopied(false), 2000)
      },
      () => undefined,
    )
  }

  return (
    <button type="button" className="button button--small" onClick={copy} aria-label={label}>
      <span aria-live="polite">{copied ? 'Copied' : 'Copy'}</span>
    </button>
  )
}
