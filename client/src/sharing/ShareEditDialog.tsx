import { MIN_SHARE_PASSWORD_LENGTH, type Share, type ShareUpdate } from '@dropline/contract'
import { useId, useState, type FormEvent } from 'react'
import { messageOf } from '../api/ApiError'
import { updateShare } from '../api/shares'
import { Modal } from '../layout/Modal'
import { expiryFromPreset } from './expiry'
import { ExpirySelect, type ExpiryChoice } from './ExpirySelect'
import { describeFiles, parsePositiveInt } from './shareText'

interface ShareEditDialogProps {
  share: Share
  onClose: () => void
  onSaved: (share: Share) => void
}

/** Changes what a link allows; only the fields the person touched are sent. */
export function ShareEditDialog({ share, onClose, onSaved }: ShareEditDialogProps) {
  const ids = useId()
  const [expiry, setExpiry] = useState<ExpiryChoice>('keep')
  const [password, setPassword] = useState('')
  const [removePassword, setRemovePassword] = useState(false)
  const [limit, setLimit] = useState(share.maxDownloads === null ? '' : String(share.maxDownloads))
  const [note, setNote] = useState(share.note ?? '')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent, close: () => void) => {
    event.preventDefault()
    const maxDownloads = parsePositiveInt(limit)
    if (maxDownloads === undefined) {
      setError('The download limit must be a whole number of at least 1, or empty for no limit.')
      return
    }
    if (password && password.length < MIN_SHARE_PASSWORD_LENGTH) {
      setError(`Choose a password of at least ${MIN_SHARE_PASSWORD_LENGTH} characters.`)
      return
    }
    const changes: ShareUpdate = {}
    if (expiry !== 'keep') changes.expiresAt = expiryFromPreset(expiry)
    if (removePassword) changes.password = null
    else if (password) changes.password = password
    if (maxDownloads !== share.maxDownloads) changes.maxDownloads = maxDownloads
    if (note.trim() !== (share.note ?? '')) changes.note = note.trim()
    if (Object.keys(changes).length === 0) {
      close()
      return
    }
    setBusy(true)
    setError(null)
    try {
      onSaved(await updateShare(share.id, changes))
      close()
    } catch (caught) {
      setError(messageOf(caught))
      setBusy(false)
    }
  }

  return (
    <Modal title={`Edit share: ${describeFiles(share.files)}`} closeLabel="Close editing" testId="share-edit-dialog" onClose={onClose}>
      {(close) => (
        <form className="share-form" onSubmit={(event) => submit(event, close)} noValidate>
          <ExpirySelect value={expiry} onChange={setExpiry} current={share.expiresAt} />
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-password`}>
              {share.hasPassword ? 'New password (empty keeps the current one)' : 'Password (optional)'}
            </label>
            <input
              id={`${ids}-password`}
              type="password"
              autoComplete="new-password"
              value={password}
              disabled={removePassword}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          {share.hasPassword && (
            <label className="checkbox">
              <input type="checkbox" checked={removePassword} onChange={(event) => setRemovePassword(event.target.checked)} />
              Remove the password
            </label>
          )}
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-limit`}>
              Download limit
            </label>
            <input id={`${ids}-limit`} inputMode="numeric" value={limit} placeholder="No limit" onChange={(event) => setLimit(event.target.value)} />
          </div>
          <div className="field">
            <label className="field__label" htmlFor={`${ids}-note`}>
              Note
            </label>
            <textarea id={`${ids}-note`} rows={3} value={note} onChange={(event) => setNote(event.target.value)} />
          </div>
          {error && (
            <p className="message message--error" role="alert">
              {error}
            </p>
          )}
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save changes'}
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
