import type { UploadSettings } from '../api/files'
import Uppy from '@uppy/core'
import Tus, { type TusBody } from '@uppy/tus'
import { getAccessToken, refreshAccessToken } from '../api/client'
import { uploadErrorMessage } from './uploadErrorMessage'
import { prepareForServer, SERVER_META_FIELDS, type UploadMeta } from './uploadMeta'
import type { UserUrlStorage } from './userUrlStorage'

export type DroplineUppy = Uppy<UploadMeta, TusBody>

export const UPLOAD_ENDPOINT = '/api/uploads/'
const CHUNK_SIZE = 8 * 1024 * 1024
/**
 * Big files go as this many partial uploads at once (tus concatenation): over a long link each
 * connection's window limits it, and several connections together fill the line.
 */
const PARALLEL_UPLOADS = 4
const PARALLEL_MIN_SIZE = 64 * 1024 * 1024

/**
 * Uploads through a file request: its capability instead of a session, no refresh to try after a
 * 401, and no parallel partial uploads (each would count against the request's limits).
 */
export interface RequestUploadAuth {
  /** The whole `Authorization` header value, `Request <token>` or `Request <token>:<accessToken>`. */
  authorization: string
  /** Also keeps each request's resume entries and Uppy file ids apart from the signed-in ones. */
  uppyId: string
  maxNumberOfFiles: number | null
}

interface CreateUppyOptions {
  config: Pick<UploadSettings, 'maxUploadSize' | 'allowedFileTypes' | 'maxAppendSize'>
  urlStorage: UserUrlStorage
  /** Absent: the signed-in user's session. */
  request?: RequestUploadAuth
  onUploaded: (fileId: string) => void
  onError: (message: string) => void
}

export function createUppy({ config, urlStorage, request, onUploaded, onError }: CreateUppyOptions): DroplineUppy {
  const uppy = new Uppy<UploadMeta, TusBody>({
    // Stable on purpose: Uppy file ids start with it, and tus resume fingerprints are built
    // from file ids, so re-selecting a file after a reload finds its unfinished upload.
    id: request?.uppyId ?? 'dropline',
    autoProceed: false,
    restrictions: {
      maxFileSize: config.maxUploadSize,
      allowedFileTypes: config.allowedFileTypes,
      maxNumberOfFiles: request?.maxNumberOfFiles ?? null,
    },
    meta: { title: '', description: '' },
    onBeforeUpload: prepareForServer,
  })

  uppy.use(Tus, {
    endpoint: UPLOAD_ENDPOINT,
    // Never more per request than the server (or the proxy in front of it) accepts.
    chunkSize: Math.min(CHUNK_SIZE, config.maxAppendSize ?? Infinity),
    retryDelays: [0, 1000, 3000, 5000, 10000],
    removeFingerprintOnSuccess: true,
    urlStorage,
    allowedMetaFields: [...SERVER_META_FIELDS],
    // Every request, including each chunk's PATCH, gets a token good for at least a minute.
    // That matters beyond the 401: a HEAD answered 401 would make tus-js-client drop the
    // resume entry and start the file over.
    async onBeforeRequest(req) {
      req.setHeader('Authorization', request ? request.authorization : `Bearer ${await getAccessToken()}`)
    },
    onShouldRetry(error, retryAttempt, _options, next) {
      const status = error.originalResponse?.getStatus()
      // A request that is full, expired or closed stays so: retrying only delays the message.
      if (request && status !== undefined && [401, 403, 404, 410, 413].includes(status)) return false
      if (status === 401) {
        const sent = error.originalRequest?.getHeader('Authorization')?.replace(/^Bearer /, '')
        // The retry's onBeforeRequest waits for this refresh; if it fails the session is over.
        refreshAccessToken(sent ?? '').catch(() => undefined)
        return retryAttempt < 2
      }
      return next(error)
    },
  })

  uppy.on('file-added', (file) => {
    if (!request && (file.size ?? 0) >= PARALLEL_MIN_SIZE) uppy.setFileState(file.id, { tus: { parallelUploads: PARALLEL_UPLOADS } })
  })

  uppy.on('upload-success', (_file, response) => {
    const fileId = response.uploadURL?.split('/').filter(Boolean).pop()
    if (fileId) onUploaded(fileId)
  })

  uppy.on('upload-error', (file, _error, response) => {
    if (!file) return
    const message = uploadErrorMessage(response)
    // Replaces tus-js-client's protocol trace, which the Dashboard would otherwise show.
    uppy.setFileState(file.id, { error: message })
    onError(`Couldn’t upload ${file.name}: ${message}`)
  })

  // The Dashboard shows these too, but only briefly and outside any live region.
  uppy.on('restriction-failed', (_file, error) => onError(error.message))

  return uppy
}
