import { MIN_SHARE_PASSWORD_LENGTH, type Share } from '@dropline/contract'
import { useState, type FormEvent } from 'react'
import { updateShare } from '../api/shares'
import { changedFrom, onlyChanged } from '../forms/changes'
import { expiryToSend, type ExpiryChoice } from '../forms/expiry'
import { ExpirySelect } from '../forms/ExpirySelect'
import { FormFooter } from '../forms/FormFooter'
import { LimitField } from '../forms/LimitField'
import { NoteField } from '../forms/NoteField'
import { NO_PASSWORD, passwordProblem, passwordToSend } from '../forms/password'
import { PasswordField } from '../forms/PasswordField'
import { useSubmit } from '../forms/useSubmit'
import { Modal } from '../layout/Modal'
import {
  DOWNLOAD_LIMIT_HINT,
  DOWNLOAD_LIMIT_PROBLEM,
  SHARE_NOTE_PLACEHOLDER,
  SHARE_PASSWORD_PURPOSE,
  describeFiles,
  parsePositiveInt,
} from './shareText'

interface ShareEditDialogProps {
  share: Share
  onClose: () => void
  onSaved: (share: Share) => void
}

/** Changes what a link allows; only the fields the person touched are sent. */
export function ShareEditDialog({ share, onClose, onSaved }: ShareEditDialogProps) {
  const [expiry, setExpiry] = useState<ExpiryChoice>('keep')
  const [password, setPassword] = useState(NO_PASSWORD)
  const [limit, setLimit] = useState(share.maxDownloads === null ? '' : String(share.maxDownloads))
  const [note, setNote] = useState(share.note ?? '')
  const submit = useSubmit()

  const onSubmit = async (event: FormEvent, close: () => void) => {
    event.preventDefault()
    const maxDownloads = parsePositiveInt(limit)
    if (maxDownloads === undefined) return submit.setError(DOWNLOAD_LIMIT_PROBLEM)
    const problem = passwordProblem(password, MIN_SHARE_PASSWORD_LENGTH)
    if (problem) return submit.setError(problem)
    const changes = onlyChanged({
      expiresAt: expiryToSend(expiry),
      password: passwordToSend(password),
      maxDownloads: changedFrom(maxDownloads, share.maxDownloads),
      note: changedFrom(note.trim(), share.note ?? ''),
    })
    if (Object.keys(changes).length === 0) return close()
    await submit.run(async () => {
      onSaved(await updateShare(share.id, changes))
      close()
    })
  }

  return (
    <Modal title={`Edit share: ${describeFiles(share.files)}`} closeLabel="Close editing" testId="share-edit-dialog" onClose={onClose}>
      {(close) => (
        <form className="share-form" onSubmit={(event) => onSubmit(event, close)} noValidate>
          <ExpirySelect value={expiry} onChange={setExpiry} current={share.expiresAt} />
          <PasswordField
            value={password}
            onChange={setPassword}
            minLength={MIN_SHARE_PASSWORD_LENGTH}
            purpose={SHARE_PASSWORD_PURPOSE}
            hasPassword={share.hasPassword}
          />
          <LimitField label="Download limit (optional)" value={limit} onChange={setLimit} hint={DOWNLOAD_LIMIT_HINT} />
          <NoteField label="Note (optional)" value={note} onChange={setNote} placeholder={SHARE_NOTE_PLACEHOLDER} />
          <FormFooter error={submit.error} busy={submit.busy} submitLabel="Save changes" onCancel={close} />
        </form>
      )}
    </Modal>
  )
}
