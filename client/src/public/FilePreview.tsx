import type { PublicShareFile } from '@dropline/contract'
import { useEffect, useState } from 'react'
import { messageOf } from '../api/ApiError'
import { Modal } from '../layout/Modal'
import { previewKindOf } from './publicRoute'

/** Text previews show the start of the file; the rest is a download away. */
const TEXT_PREVIEW_BYTES = 256 * 1024

/** A shared file shown in place. The server serves it sandboxed, so even a hostile file cannot run script here. */
export function FilePreview({ file, url, onClose }: { file: PublicShareFile; url: string; onClose: () => void }) {
  const kind = previewKindOf(file.mimeType)
  return (
    <Modal title={file.filename} closeLabel="Close preview" testId="file-preview" onClose={onClose}>
      <div className="preview">
        {kind === 'image' && <img className="preview__image" src={url} alt={`Preview of ${file.filename}`} />}
        {kind === 'audio' && (
          // biome-ignore lint/a11y/useMediaCaption: shared recordings come without captions
          <audio className="preview__media" src={url} controls preload="metadata" aria-label={`Play ${file.filename}`} />
        )}
        {kind === 'video' && (
          // biome-ignore lint/a11y/useMediaCaption: shared videos come without captions
          <video className="preview__media" src={url} controls preload="metadata" aria-label={`Play ${file.filename}`} />
        )}
        {kind === 'pdf' && <iframe className="preview__frame" src={url} title={`Preview of ${file.filename}`} />}
        {kind === 'text' && <TextPreview url={url} size={file.size} name={file.filename} />}
      </div>
      {kind === 'pdf' && (
        // Some browsers (and phones) show no PDF inside a page; a tab of its own always works.
        <a className="button button--small preview__open" href={url} target="_blank" rel="noopener noreferrer">
          Open the PDF in a new tab
        </a>
      )}
    </Modal>
  )
}

function TextPreview({ url, size, name }: { url: string; size: number; name: string }) {
  const [text, setText] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    const headers: HeadersInit = size > TEXT_PREVIEW_BYTES ? { Range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` } : {}
    fetch(url, { headers, signal: controller.signal })
      .then(async (res) => {
        if (!res.ok) throw new Error(`The preview could not be loaded (HTTP ${res.status}).`)
        setText(await res.text())
      })
      .catch((caught: unknown) => {
        if (!controller.signal.aborted) setError(messageOf(caught))
      })
    return () => controller.abort()
  }, [url, size])

  if (error) return <p className="message message--error">{error}</p>
  if (text === null) return <p className="panel__placeholder">Loading preview…</p>
  return (
    <>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls, and keyboard users must be able to scroll it */}
      <pre className="preview__text" role="region" tabIndex={0} aria-label={`Contents of ${name}`}>
        {text}
      </pre>
      {size > TEXT_PREVIEW_BYTES && <p className="muted">Showing the start of the file; download it to read the rest.</p>}
    </>
  )
}
