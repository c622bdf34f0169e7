import { useUppyState } from '@uppy/react'
import { useCallback, useEffect, useState } from 'react'
import type { PreviousUpload } from 'tus-js-client'
import { ApiError, messageOf } from '../api/ApiError'
import { authorizedFetch } from '../api/client'
import { formatBytes } from '../format/formatBytes'
import { formatRelative } from '../format/formatDate'
import { useToasts } from '../notifications/useToasts'
import { UPLOAD_ENDPOINT, type DroplineUppy } from './createUppy'
import type { UserUrlStorage } from './userUrlStorage'

interface UnfinishedUploadsProps {
  uppy: DroplineUppy
  urlStorage: UserUrlStorage
  expirationSeconds: number
}

/** Uploads interrupted by a reload or a closed tab, which continue once their file is picked again. */
export function UnfinishedUploads({ uppy, urlStorage, expirationSeconds }: UnfinishedUploadsProps) {
  const { notify } = useToasts()
  const filesInUppy = useUppyState(uppy, (state) => Object.keys(state.files).join('\n'))
  const [entries, setEntries] = useState<PreviousUpload[]>([])
  const [generation, setGeneration] = useState(0)
  const refresh = useCallback(() => setGeneration((n) => n + 1), [])

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is a trigger: a new generation (refresh) reads the stored uploads again
  useEffect(() => {
    let cancelled = false
    const activeFingerprints = new Set(filesInUppy.split('\n').map((id) => `tus-${id}-${UPLOAD_ENDPOINT}`))
    void urlStorage.findAllUploads().then(async (all) => {
      const pending: PreviousUpload[] = []
      for (const entry of all) {
        const started = Date.parse(entry.creationTime)
        if (started + expirationSeconds * 1000 < Date.now()) {
          // The server has deleted it by now; offering to resume would only restart it.
          await urlStorage.removeUpload(entry.urlStorageKey)
          continue
        }
        const fingerprint = urlStorage.fingerprintOf(entry.urlStorageKey)
        if (fingerprint && !activeFingerprints.has(fingerprint)) pending.push(entry)
      }
      pending.sort((a, b) => b.creationTime.localeCompare(a.creationTime))
      if (!cancelled) setEntries(pending)
    })
    return () => {
      cancelled = true
    }
  }, [filesInUppy, urlStorage, expirationSeconds, generation])

  const forget = async (entry: PreviousUpload) => {
    try {
      // A parallel upload is its partial uploads until they are joined.
      for (const url of entry.uploadUrl ? [entry.uploadUrl] : (entry.parallelUploadUrls ?? [])) {
        await authorizedFetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } })
      }
    } catch (error) {
      // Already gone on the server is what we wanted anyway.
      if (!(error instanceof ApiError && (error.status === 404 || error.status === 410))) {
        notify(`Couldn’t discard the upload: ${messageOf(error)}`, 'error')
        return
      }
    }
    await urlStorage.removeUpload(entry.urlStorageKey)
    refresh()
  }

  if (entries.length === 0) return null

  return (
    <section className="unfinished" aria-labelledby="unfinished-heading">
      <h3 id="unfinished-heading" className="unfinished__heading">
        Unfinished uploads
      </h3>
      <p className="unfinished__hint">Select the same file again to continue where it stopped.</p>
      <ul className="unfinished__list">
        {entries.map((entry) => {
          const name = entry.metadata.filename ?? 'Unnamed file'
          return (
            <li key={entry.urlStorageKey} className="unfinished__item">
              <span className="unfinished__name">{name}</span>
              <span className="unfinished__meta">
                {entry.size === null ? '' : `${formatBytes(entry.size)} · `}started {formatRelative(new Date(entry.creationTime))}
              </span>
              <button
                type="button"
                className="button button--small"
                aria-label={`Discard unfinished upload of ${name}`}
                onClick={() => void forget(entry)}
              >
                Discard
              </button>
            </li>
          )
        })}
      </ul>
    </section>
  )
}
