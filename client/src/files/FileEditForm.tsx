import { useState, type FormEvent } from 'react'
import { messageOf } from '../api/ApiError'
import { updateFile, type FileChanges } from '../api/files'
import type { File as FileItem } from '@dropline/contract'
import { useToasts } from '../notifications/useToasts'

interface Draft {
  filename: string
  title: string
  description: string
}

const fromFile = (file: FileItem): Draft => ({
  filename: file.filename,
  title: file.title ?? '',
  description: file.description ?? '',
})

interface FileEditFormProps {
  file: FileItem
  onSaved: (file: FileItem) => void
}

/**
 * Until the person edits, the fields show the live values (a rename from another tab appears);
 * once they edit, their draft is kept until saved or discarded.
 */
export function FileEditForm({ file, onSaved }: FileEditFormProps) {
  const { notify } = useToasts()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const values = draft ?? fromFile(file)

  const edit = (field: keyof Draft, value: string) => {
    setDraft({ ...values, [field]: value })
    setError(null)
  }

  const changes: FileChanges = {}
  const original = fromFile(file)
  if (values.filename.trim() !== original.filename) changes.filename = values.filename.trim()
  if (values.title.trim() !== original.title) changes.title = values.title.trim()
  if (values.description.trim() !== original.description) changes.description = values.description.trim()
  const dirty = Object.keys(changes).length > 0

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    if (!values.filename.trim()) {
      setError('The file needs a name.')
      return
    }
    setSaving(true)
    try {
      const saved = await updateFile(file.id, changes)
      setDraft(null)
      onSaved(saved)
      notify(`Saved changes to ${saved.filename}`, 'success')
    } catch (caught) {
      setError(messageOf(caught))
    } finally {
      setSaving(false)
    }
  }

  return (
    <form className="edit-form" onSubmit={onSubmit} aria-labelledby="edit-heading">
      <h3 id="edit-heading" className="detail__section-title">
        Edit
      </h3>
      <label className="field">
        <span className="field__label">File name</span>
        <input value={values.filename} onChange={(event) => edit('filename', event.target.value)} required />
      </label>
      <label className="field">
        <span className="field__label">Title</span>
        <input value={values.title} onChange={(event) => edit('title', event.target.value)} />
      </label>
      <label className="field">
        <span className="field__label">Description</span>
        <textarea rows={3} value={values.description} onChange={(event) => edit('description', event.target.value)} />
      </label>
      {error && (
        <p className="message message--error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={!dirty || saving}>
          {saving ? 'Saving…' : 'Save changes'}
        </button>
        {draft && (
          <button type="button" className="button button--quiet" onClick={() => setDraft(null)} disabled={saving}>
            Discard changes
          </button>
        )}
      </div>
    </form>
  )
}
