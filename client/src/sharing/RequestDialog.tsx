import { MIN_REQUEST_PASSWORD_LENGTH, type FileRequest } from '@dropline/contract'
import { useState, type FormEvent } from 'react'
import { createRequest, updateRequest } from '../api/shares'
import { changedFrom, onlyChanged } from '../forms/changes'
import { expiryToSend, type ExpiryChoice } from '../forms/expiry'
import { ExpirySelect } from '../forms/ExpirySelect'
import { Field } from '../forms/Field'
import { FormFooter } from '../forms/FormFooter'
import { LimitField } from '../forms/LimitField'
import { NoteField } from '../forms/NoteField'
import { NO_PASSWORD, passwordProblem, passwordToSend } from '../forms/password'
import { PasswordField } from '../forms/PasswordField'
import { useSubmit } from '../forms/useSubmit'
import { Modal } from '../layout/Modal'
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

const PURPOSE = 'People must enter it before they can send files.'

/** Ask people without an account for files: a title, a message, expiry, limits and an optional password. */
export function RequestDialog({ request, onClose, onSaved }: RequestDialogProps) {
  const [initialSize, initialUnit] = sizeFields(request?.maxBytes ?? null)
  const [title, setTitle] = useState(request?.title ?? '')
  const [message, setMessage] = useState(request?.message ?? '')
  const [expiry, setExpiry] = useState<ExpiryChoice>(request ? 'keep' : '7d')
  const [maxFiles, setMaxFiles] = useState(request?.maxFiles == null ? '' : String(request.maxFiles))
  const [maxSize, setMaxSize] = useState(initialSize)
  const [unit, setUnit] = useState<SizeUnit>(initialUnit)
  const [password, setPassword] = useState(NO_PASSWORD)
  const submit = useSubmit()
  const [created, setCreated] = useState<FileRequest | null>(null)

  const onSubmit = async (event: FormEvent, close: () => void) => {
    event.preventDefault()
    const files = parsePositiveInt(maxFiles)
    const bytes = parseSize(maxSize, unit)
    if (!title.trim()) return submit.setError('Give the request a title, so uploaders know what to send.')
    if (files === undefined) return submit.setError('The most files must be a whole number of at least 1, or empty for no limit.')
    if (bytes === undefined) return submit.setError('The most data must be a positive number, or empty for no limit.')
    const problem = passwordProblem(password, MIN_REQUEST_PASSWORD_LENGTH)
    if (problem) return submit.setError(problem)
    const settings = { expiresAt: expiryToSend(expiry), password: passwordToSend(password) }
    await submit.run(async () => {
      if (request) {
        const changes = onlyChanged({
          ...settings,
          title: changedFrom(title.trim(), request.title),
          message: changedFrom(message.trim(), request.message ?? ''),
          maxFiles: changedFrom(files, request.maxFiles),
          maxBytes: changedFrom(bytes, request.maxBytes),
        })
        if (Object.keys(changes).length > 0) onSaved(await updateRequest(request.id, changes))
        close()
      } else {
        const saved = await createRequest({
          title: title.trim(),
          maxFiles: files,
          maxBytes: bytes,
          ...onlyChanged({ ...settings, message: message.trim() || undefined }),
        })
        setCreated(saved)
        onSaved(saved)
      }
    })
  }

  return (
    <Modal title={request ? `Edit request: ${request.title}` : 'Ask for files'} closeLabel="Close request" testId="request-dialog" onClose={onClose}>
      {(close) =>
        created ? (
          <LinkResult url={created.url} label="Request link" onDone={close}>
            Send this link to the people who should upload. Their files arrive in your list, marked with their name.
          </LinkResult>
        ) : (
          <form className="share-form" onSubmit={(event) => onSubmit(event, close)} noValidate>
            <Field label="Title">
              {(control) => (
                <input {...control} value={title} required onChange={(event) => setTitle(event.target.value)} placeholder="Photos from the wedding" />
              )}
            </Field>
            <NoteField label="Message (optional)" value={message} onChange={setMessage} placeholder="Shown on the upload page" />
            <ExpirySelect value={expiry} onChange={setExpiry} current={request ? request.expiresAt : undefined} label="Open for" />
            <div className="share-form__pair">
              <LimitField label="Most files (optional)" value={maxFiles} onChange={setMaxFiles} />
              <LimitField
                label="Most data (optional)"
                value={maxSize}
                onChange={setMaxSize}
                inputMode="decimal"
                addon={
                  <select aria-label="Unit" value={unit} onChange={(event) => setUnit(event.target.value as SizeUnit)}>
                    {Object.keys(SIZE_UNITS).map((name) => (
                      <option key={name}>{name}</option>
                    ))}
                  </select>
                }
              />
            </div>
            <PasswordField
              value={password}
              onChange={setPassword}
              minLength={MIN_REQUEST_PASSWORD_LENGTH}
              purpose={PURPOSE}
              hasPassword={request?.hasPassword}
            />
            <FormFooter error={submit.error} busy={submit.busy} submitLabel={request ? 'Save changes' : 'Create request'} onCancel={close} />
          </form>
        )
      }
    </Modal>
  )
}
