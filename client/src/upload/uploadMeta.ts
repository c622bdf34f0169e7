import type { Body, UppyFile } from '@uppy/core'

/** Our fields; Uppy adds `name` and `type` to every file's meta itself. */
export type UploadMeta = {
  title: string
  description: string
  filename?: string
  filetype?: string
  /** Uploads through a file request: the name the uploader gave. */
  uploader?: string
}

/** The Upload-Metadata keys the server reads (see the contract). */
export const SERVER_META_FIELDS = ['filename', 'filetype', 'title', 'description', 'uploader'] as const

/**
 * Uppy keeps the (editable) name in `meta.name`; the server wants `filename` and `filetype`.
 * Empty optional fields are left out instead of being sent as empty strings.
 */
export function prepareForServer<B extends Body>(files: Record<string, UppyFile<UploadMeta, B>>): Record<string, UppyFile<UploadMeta, B>> {
  const prepared: Record<string, UppyFile<UploadMeta, B>> = {}
  for (const [id, file] of Object.entries(files)) {
    const meta = {
      ...file.meta,
      filename: file.meta.name.trim(),
      filetype: file.meta.type,
      title: (file.meta.title ?? '').trim(),
      description: (file.meta.description ?? '').trim(),
      uploader: (file.meta.uploader ?? '').trim(),
    }
    const present = SERVER_META_FIELDS.filter((key) => (meta[key] ?? '') !== '')
    prepared[id] = { ...file, meta, tus: { ...file.tus, allowedMetaFields: present } }
  }
  return prepared
}
