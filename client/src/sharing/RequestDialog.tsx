import { MIN_REQUEST_PASSWORD_LENGTH, type CreateFileRequestBody, type FileRequest, type UpdateFileRequestBody } from '@dropline/contract'
import { useId, useState, type FormEvent } from 'react'
import { messageOf } from '../api/ApiError'
import { createRequest, updateRequest } from '../api/shares'
import { Modal } from '../layout/Modal'
import { expiryFromPreset } from './expiry'
import { ExpirySelect, type ExpiryChoice } from './ExpirySelect'
import { LinkResult } from './LinkResult'
import { parsePositiveInt, parseSize, SIZE_UNITS, type SizeUnit } from './shareText'

interface RequestDialogProps {
  /** Editing this request; creating a new one when absent. */
  request?: FileRequest
  onClose: () => void
  onSaved: (request: FileRequest) => void
}

/** The starting amount and unit for a size field. */
function sizeFields(bytes: number | null): [string, SizeUnit] {
  if (bytes === null) return ['', 'GiB']
  const unit: SizeUnit = bytes % SIZE_UNITS.GiB === 0 ? 'GiB' : 'MiB'
  return [String(Math.round((bytes / SIZE_UNITS[unit]) * 100) / 100), unit]
}

/** Ask people without an account for files: a title, a message, expiry, limits and an optional password. */
export function RequestDialog({ request, onClose, onSaved }: RequestDialogProps) {
  const ids = useId()
  const [initialSize, initialUnit] = sizeFields(request?.maxBytes ?? null)
  const [title, setTitle] = useState(request?.title ?? '')
  const [message, setMessage] = useState(request?.message ?? '')
  const [expiry, setExpiry] = useState<ExpiryChoice>(request ? 'keep' : '7d')
  const [maxFiles, setMaxFiles] = useState(request?.maxFiles == null ? '' : String(request.maxFiles))
  const [maxSize, setMaxSize] = useState(initialSize)
  const [unit, setUnit] = useState<SizeUnit>(initialUnit)
  const [password, setPassword] = useState('')
  const [removePassword, setRemovePassword] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<FileRequest | null>(null)

  const submit = async (event: FormEvent, close: () => void) => {
    event.preventDefault()
    const files = parsePositiveInt(maxFiles)
    const bytes = parseSize(maxSize, unit)
    if (!title.trim()) return setError('Give the request a title, so uploaders know what to send.')
    if (files === undefined) return setError('The most files must be a whole number of at least 1, or empty for no limit.')
    if (bytes === undefined) return setError('The most data must be a positive number, or empty for no limit.')
    if (password && password.length < MIN_REQUEST_PASSWORD_LENGTH) {
      return setError(`Choose a password of at least ${MIN_REQUEST_PASSWORD_LENGTH} characters, or leave it empty.`)
    }
    setBusy(true)
    setError(null)
    try {
      if (request) {
        const changes: UpdateFileRequestBody = {}
        if (title.trim() !== request.title) changes.title = title.trim()
        if (message.trim() !== (request.message ?? '')) changes.message = message.trim()
        if (expiry !== 'keep') changes.expiresAt = expiryFromPreset(expiry)
        if (files !== request.maxFiles) changes.maxFiles = files
        if (bytes !== request.maxBytes) changes.maxBytes = bytes
        if (removePassword) changes.password = null
        else if (password) changes.password = password
        if (Object.keys(changes).length > 0) onSaved(await updateRequest(request.id, changes))
        close()
      } else {
        const body: CreateFileRequestBody = { title: title.trim(), expiresAt: expiry === 'keep' ? undefined : expiryFromPreset(expiry), maxFiles: files, maxBytes: bytes }
        if (message.trim()) body.message = message.trim()
        if (password) body.password = password
        const saved = await createRequest(body)
        setCreated(saved)
        onSaved(saved)
      }
    } catch (caught) {
      setError(messageOf(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title={request ? `Edit request: ${request.title}` : 'Ask for files'} closeLabel="Close request" testId="request-dialog" onClose={onClose}>
      {(close) =>
        created ? (
          <>
            <p className="message message--info" role="status">
              Send this link to the people who should upload. Their files arrive in your list, marked with their name.
            </p>
            <LinkResult url={created.url} label="Request link" />
            <div className="button-row">
              <button type="button" className="button button--primary" onClick={close} autoFocus>
                Done
              </button>
            </div>
          </>
        ) : (
          <form className="share-form" onSubmit={(event) => submit(event, close)} noValidate>
            <div className="field">
              <label className="field__label" htmlFor={`${ids}-title`}>
                Title
              </label>
              <input id={`${ids}-title`} value={title} required onChange={(event) => setTitle(event.target.value)} placeholder="Photos from the wedding" />
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${ids}-message`}>
                Message (optional)
              </label>
              <textarea id={`${ids}-message`} rows={3} value={message} onChange={(event) => setMessage(event.target.value)} placeholder="Shown on the upload page" />
            </div>
            <ExpirySelect value={expiry} onChange={setExpiry} current={request ? request.expiresAt : undefined} label="Open for" />
            <div className="share-form__pair">
              <div className="field">
                <label className="field__label" htmlFor={`${ids}-files`}>
                  Most files (optional)
                </label>
                <input id={`${ids}-files`} inputMode="numeric" value={maxFiles} placeholder="No limit" onChange={(event) => setMaxFiles(event.target.value)} />
              </div>
              <div className="field">
                <label className="field__label" htmlFor={`${ids}-bytes`}>
                  Most data (optional)
                </label>
                <div className="share-form__size">
                  <input id={`${ids}-bytes`} inputMode="decimal" value={maxSize} placeholder="No limit" onChange={(event) => setMaxSize(event.target.value)} />
                  <select aria-label="Unit" value={unit} onChange={(event) => setUnit(event.target.value as SizeUnit)}>
                    {Object.keys(SIZE_UNITS).map((name) => (
                      <option key={name}>{name}</option>
                    ))}
                  </select>
                </div>
              </div>
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${ids}-password`}>
                {request?.hasPassword ? 'New password (empty keeps the current one)' : 'Password (optional)'}
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
            {request?.hasPassword && (
              <label className="checkbox">
                <input type="checkbox" checked={removePassword} onChange={(event) => setRemovePassword(event.target.checked)} />
                Remove the password
              </label>
            )}
            {error && (
              <p className="message message--error" role="alert">
                {error}
              </p>
            )}
            <div className="button-row">
              <button type="submit" className="button button--primary" disabled={busy}>
                {busy ? 'Saving…' : request ? 'Save changes' : 'Create request'}
              </button>
              <button type="button" className="button" onClick={close}>
                Cancel
              </button>
            </div>
          </form>
        )
      }
    </Modal>
  )
}
