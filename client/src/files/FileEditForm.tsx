import { useState, type FormEvent } from 'react'
import { updateFile } from '../api/files'
import type { File as FileItem } from '@dropline/contract'
import { changedFrom, onlyChanged } from '../forms/changes'
import { expiryToSend, type ExpiryChoice } from '../forms/expiry'
import { ExpirySelect } from '../forms/ExpirySelect'
import { FormFooter } from '../forms/FormFooter'
import { useSubmit } from '../forms/useSubmit'
import { useToasts } from '../notifications/useToasts'

interface Draft {
  filename: string
  title: string
  description: string
  /** `keep` until the person picks a new expiry, which counts from when they save. */
  expiry: ExpiryChoice
}

const fromFile = (file: FileItem): Draft => ({
  filename: file.filename,
  title: file.title ?? '',
  description: file.description ?? '',
  expiry: 'keep',
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
  const submit = useSubmit()
  const values = draft ?? fromFile(file)

  const edit = <K extends keyof Draft>(field: K, value: Draft[K]) => {
    setDraft({ ...values, [field]: value })
    submit.setError(null)
  }

  const original = fromFile(file)
  const changes = onlyChanged({
    filename: changedFrom(values.filename.trim(), original.filename),
    title: changedFrom(values.title.trim(), original.title),
    description: changedFrom(values.description.trim(), original.description),
    expiresAt: expiryToSend(values.expiry),
  })
  const dirty = Object.keys(changes).length > 0

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    if (!values.filename.trim()) return submit.setError('The file needs a name.')
    await submit.run(async () => {
      const saved = await updateFile(file.id, changes)
      setDraft(null)
      onSaved(saved)
      notify(`Saved changes to ${saved.filename}`, 'success')
    })
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
      <ExpirySelect
        value={values.expiry}
        onChange={(expiry) => edit('expiry', expiry)}
        current={file.expiresAt}
        hint="An expired file is deleted completely, and share links stop listing it."
      />
      <FormFooter error={submit.error} busy={submit.busy} submitLabel="Save changes" disabled={!dirty}>
        {draft && (
          <button type="button" className="button button--quiet" onClick={() => setDraft(null)} disabled={submit.busy}>
            Discard changes
          </button>
        )}
      </FormFooter>
    </form>
  )
}
