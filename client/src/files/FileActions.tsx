import { useState } from 'react'
import { messageOf } from '../api/ApiError'
import { deleteFile, reprocessFile } from '../api/files'
import type { File as FileItem } from '@dropline/contract'
import { useToasts } from '../notifications/useToasts'
import { downloadFile } from './downloadFile'

interface FileActionsProps {
  file: FileItem
  onShare: () => void
  onDeleted: (id: string) => void
}

type Busy = 'download' | 'reprocess' | 'delete' | null

export function FileActions({ file, onShare, onDeleted }: FileActionsProps) {
  const { notify } = useToasts()
  const [busy, setBusy] = useState<Busy>(null)
  const [confirmingDelete, setConfirmingDelete] = useState(false)

  const run = async (kind: Exclude<Busy, null>, action: () => Promise<void>, failure: string) => {
    setBusy(kind)
    try {
      await action()
    } catch (error) {
      notify(`${failure}: ${messageOf(error)}`, 'error')
    } finally {
      setBusy(null)
    }
  }

  const download = () => run('download', () => downloadFile(file), `Couldn’t download ${file.filename}`)

  const reprocess = () =>
    run(
      'reprocess',
      async () => {
        await reprocessFile(file.id)
        notify(`Processing ${file.filename} again`, 'info')
      },
      `Couldn’t reprocess ${file.filename}`,
    )

  const remove = () =>
    run(
      'delete',
      async () => {
        await deleteFile(file.id)
        notify(`Deleted ${file.filename}`, 'success')
        onDeleted(file.id)
      },
      `Couldn’t delete ${file.filename}`,
    )

  if (confirmingDelete) {
    return (
      <div className="confirm" role="group" aria-labelledby="confirm-delete-text">
        <p id="confirm-delete-text" className="confirm__text">
          Delete <strong>{file.filename}</strong> permanently? Its bytes and previews are removed and this can’t be undone.
        </p>
        <div className="button-row">
          {/* biome-ignore lint/a11y/noAutofocus: the confirmation replaces the Delete button that had focus; focus follows it */}
          <button type="button" className="button button--danger" onClick={remove} disabled={busy === 'delete'} autoFocus>
            {busy === 'delete' ? 'Deleting…' : 'Delete permanently'}
          </button>
          <button type="button" className="button" onClick={() => setConfirmingDelete(false)} disabled={busy === 'delete'}>
            Keep file
          </button>
        </div>
      </div>
    )
  }

  return (
    <div className="button-row">
      <button type="button" className="button" onClick={download} disabled={busy === 'download'}>
        {busy === 'download' ? 'Downloading…' : 'Download'}
      </button>
      <button type="button" className="button" onClick={onShare}>
        Share
      </button>
      {file.status === 'failed' && (
        <button type="button" className="button" onClick={reprocess} disabled={busy === 'reprocess'}>
          {busy === 'reprocess' ? 'Starting…' : 'Reprocess'}
        </button>
      )}
      <button type="button" className="button button--danger-quiet" onClick={() => setConfirmingDelete(true)}>
        Delete
      </button>
    </div>
  )
}
