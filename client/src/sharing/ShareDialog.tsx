import type { Share } from '@dropline/contract'
import { MIN_SHARE_PASSWORD_LENGTH } from '@dropline/contract'
import { useState, type FormEvent } from 'react'
import { createShare } from '../api/shares'
import { onlyChanged } from '../forms/changes'
import { expiryToSend, type ExpiryChoice } from '../forms/expiry'
import { ExpirySelect } from '../forms/ExpirySelect'
import { FormFooter } from '../forms/FormFooter'
import { LimitField } from '../forms/LimitField'
import { NoteField } from '../forms/NoteField'
import { NO_PASSWORD, passwordProblem, passwordToSend } from '../forms/password'
import { PasswordField } from '../forms/PasswordField'
import { useSubmit } from '../forms/useSubmit'
import { Modal } from '../layout/Modal'
import { LinkResult } from './LinkResult'
import {
  DOWNLOAD_LIMIT_HINT,
  DOWNLOAD_LIMIT_PROBLEM,
  SHARE_NOTE_PLACEHOLDER,
  SHARE_PASSWORD_PURPOSE,
  describeFiles,
  parsePositiveInt,
} from './shareText'

interface ShareDialogProps {
  files: { id: string; filename: string }[]
  onClose: () => void
  onShared?: (share: Share) => void
}

/** Share one file or a selection: expiry, optional password, download limit and note; then the link. */
export function ShareDialog({ files, onClose, onShared }: ShareDialogProps) {
  const [expiry, setExpiry] = useState<ExpiryChoice>('7d')
  const [password, setPassword] = useState(NO_PASSWORD)
  const [limit, setLimit] = useState('')
  const [note, setNote] = useState('')
  const submit = useSubmit()
  const [share, setShare] = useState<Share | null>(null)

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    const maxDownloads = parsePositiveInt(limit)
    if (maxDownloads === undefined) return submit.setError(DOWNLOAD_LIMIT_PROBLEM)
    const problem = passwordProblem(password, MIN_SHARE_PASSWORD_LENGTH)
    if (problem) return submit.setError(problem)
    const body = {
      fileIds: files.map((file) => file.id),
      ...onlyChanged({ expiresAt: expiryToSend(expiry), password: passwordToSend(password), maxDownloads, note: note.trim() || undefined }),
    }
    await submit.run(async () => {
      const created = await createShare(body)
      setShare(created)
      onShared?.(created)
    })
  }

  return (
    <Modal title={`Share ${describeFiles(files)}`} closeLabel="Close sharing" testId="share-dialog" onClose={onClose}>
      {(close) =>
        share ? (
          <LinkResult url={share.url} label="Share link" onDone={close}>
            Anyone with this link can {share.hasPassword ? 'enter the password and ' : ''}download{' '}
            {files.length === 1 ? 'the file' : `these ${files.length} files`}.
          </LinkResult>
        ) : (
          <form className="share-form" onSubmit={onSubmit} noValidate>
            <ExpirySelect value={expiry} onChange={setExpiry} />
            <PasswordField value={password} onChange={setPassword} minLength={MIN_SHARE_PASSWORD_LENGTH} purpose={SHARE_PASSWORD_PURPOSE} />
            <LimitField label="Download limit (optional)" value={limit} onChange={setLimit} hint={DOWNLOAD_LIMIT_HINT} />
            <NoteField label="Note (optional)" value={note} onChange={setNote} placeholder={SHARE_NOTE_PLACEHOLDER} />
            <FormFooter error={submit.error} busy={submit.busy} submitLabel="Create link" busyLabel="Creating link…" onCancel={close} />
          </form>
        )
      }
    </Modal>
  )
}
