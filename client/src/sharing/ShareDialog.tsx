import type { ShareCreate, Share } from '@dropline/contract'
import { MIN_SHARE_PASSWORD_LENGTH } from '@dropline/contract'
import { useId, useState, type FormEvent } from 'react'
import { messageOf } from '../api/ApiError'
import { createShare } from '../api/shares'
import { Modal } from '../layout/Modal'
import { expiryFromPreset } from './expiry'
import { ExpirySelect, type ExpiryChoice } from './ExpirySelect'
import { LinkResult } from './LinkResult'
import { describeFiles, parsePositiveInt } from './shareText'

interface ShareDialogProps {
  files: { id: string; filename: string }[]
  onClose: () => void
  onShared?: (share: Share) => void
}

/** Share one file or a selection: expiry, optional password, download limit and note; then the link. */
export function ShareDialog({ files, onClose, onShared }: ShareDialogProps) {
  const ids = useId()
  const [expiry, setExpiry] = useState<ExpiryChoice>('7d')
  const [password, setPassword] = useState('')
  const [limit, setLimit] = useState('')
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [share, setShare] = useState<Share | null>(null)

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    const maxDownloads = parsePositiveInt(limit)
    if (maxDownloads === undefined) {
      setError('The download limit must be a whole number of at least 1, or empty for no limit.')
      return
    }
    if (password && password.length < MIN_SHARE_PASSWORD_LENGTH) {
      setError(`Choose a password of at least ${MIN_SHARE_PASSWORD_LENGTH} characters, or leave it empty.`)
      return
    }
    const body: ShareCreate = { fileIds: files.map((file) => file.id), expiresAt: expiry === 'keep' ? undefined : expiryFromPreset(expiry), maxDownloads }
    if (password) body.password = password
    if (note.trim()) body.note = note.trim()
    setBusy(true)
    setError(null)
    try {
      const created = await createShare(body)
      setShare(created)
      onShared?.(created)
    } catch (caught) {
      setError(messageOf(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title={`Share ${describeFiles(files)}`} closeLabel="Close sharing" testId="share-dialog" onClose={onClose}>
      {(close) => share ? (
        <>
          <p className="message message--info" role="status">
            Anyone with this link can {share.hasPassword ? 'enter the password and ' : ''}download{' '}
            {files.length === 1 ? 'the file' : `these ${files.length} files`}.
          </p>
          <LinkResult url={share.url} label="Share link" />
          <div className="button-row">
            <button type="button" className="button button--primary" onClick={close} autoFocus>
              Done
            </button>
          </div>
        </>
      ) : (
        <form className="share-form" onSubmit={onSubmit} noValidate>
          <ExpirySelect value={expiry} onChange={setExpiry} />
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-password`}>
              Password (optional)
            </label>
            <input
              id={`${ids}-password`}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              aria-describedby={`${ids}-password-hint`}
            />
            <p id={`${ids}-password-hint`} className="field__hint field__hint--below">
              Visitors must enter it before they see the files. At least {MIN_SHARE_PASSWORD_LENGTH} characters.
            </p>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-limit`}>
              Download limit (optional)
            </label>
            <input
              id={`${ids}-limit`}
              inputMode="numeric"
              value={limit}
              placeholder="No limit"
              onChange={(event) => setLimit(event.target.value)}
              aria-describedby={`${ids}-limit-hint`}
            />
            <p id={`${ids}-limit-hint`} className="field__hint field__hint--below">
              The link stops working after this many downloads (a single file or the ZIP of all counts as one).
            </p>
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-note`}>
              Note (optional)
            </label>
            <textarea id={`${ids}-note`} rows={3} value={note} onChange={(event) => setNote(event.target.value)} placeholder="Shown on the download page" />
          </div>
          {error && (
            <p className="message message--error" role="alert">
              {error}
            </p>
          )}
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Creating link…' : 'Create link'}
            </button>
            <button type="button" className="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Modal>
  )
}
