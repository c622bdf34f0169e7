import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import type { PublicFileRequest } from '@dropline/contract'
import Dashboard from '@uppy/react/dashboard'
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react'
import { ApiError, messageOf } from '../api/ApiError'
import { maxAppendSizeOf } from '../api/files'
import { getPublicRequest, requestAuthorization, unlockRequest } from '../api/publicLinks'
import { formatBytes } from '../format/formatBytes'
import { formatDateTime } from '../format/formatDate'
import { useToasts } from '../notifications/useToasts'
import { formatExpiry } from '../sharing/expiry'
import { useTheme } from '../theme/useTheme'
import { createUppy, UPLOAD_ENDPOINT, type DroplineUppy } from '../upload/createUppy'
import { exposeForE2e } from '../upload/exposeForE2e'
import { useUploadGuard } from '../upload/useUploadGuard'
import { UserUrlStorage } from '../upload/userUrlStorage'
import { forgetAccess, readAccess, storeAccess } from './accessStore'
import { LinkProblem, PublicLayout } from './PublicLayout'
import { UnlockForm } from './UnlockForm'

type State =
  | { status: 'loading' }
  | { status: 'gone'; reason: 'not-found' | 'expired' | 'full' }
  | { status: 'error'; message: string }
  | { status: 'ready'; request: PublicFileRequest; access: string | null }

function isFull(request: PublicFileRequest): boolean {
  return request.remainingFiles === 0 || request.remainingBytes === 0
}

/** `/r/<token>`: someone asked for files; anyone with the link uploads them, resumably. */
export function PublicRequestPage({ token }: { token: string }) {
  const [state, setState] = useState<State>({ status: 'loading' })
  const [round, setRound] = useState(0)
  const [sent, setSent] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is a trigger: a new round (retry, unlock, a finished upload) reads the request again
  useEffect(() => {
    const controller = new AbortController()
    const access = readAccess('request', token)
    getPublicRequest(token, controller.signal).then(
      (request) => setState({ status: 'ready', request, access }),
      (error: unknown) => {
        if (controller.signal.aborted) return
        if (error instanceof ApiError && error.status === 404) setState({ status: 'gone', reason: 'not-found' })
        else if (error instanceof ApiError && error.status === 410) setState({ status: 'gone', reason: 'expired' })
        // A failed re-read (offline mid-upload, say) keeps the page, and the uploads on it, as they are.
        else setState((current) => (current.status === 'ready' ? current : { status: 'error', message: messageOf(error) }))
      },
    )
    return () => controller.abort()
  }, [token, round])

  useEffect(() => {
    document.title = 'Send files · Dropline'
  }, [])

  const unlock = useCallback(
    async (password: string) => {
      const access = await unlockRequest(token, password)
      storeAccess('request', token, access)
      setRound((n) => n + 1)
    },
    [token],
  )
  const refresh = useCallback(() => setRound((n) => n + 1), [])
  const onAccessRefused = useCallback(() => {
    forgetAccess('request', token)
    setRound((n) => n + 1)
  }, [token])

  return (
    <PublicLayout>
      {state.status === 'loading' && (
        <p className="panel__placeholder" role="status">
          Opening the link…
        </p>
      )}
      {state.status === 'gone' && state.reason === 'not-found' && (
        <LinkProblem title="This link doesn’t work" testId="request-not-found">
          The request may have been closed by the person who made it, or the link mistyped. Ask them for a new one.
        </LinkProblem>
      )}
      {state.status === 'gone' && state.reason === 'expired' && (
        <LinkProblem title="This request has closed" testId="request-expired">
          It was open for a limited time, and that time is over. Ask the person who sent it if they still need your files.
        </LinkProblem>
      )}
      {state.status === 'error' && (
        <section className="panel public__problem">
          <p className="message message--error" role="alert">
            Couldn’t open the link: {state.message}
          </p>
          <button type="button" className="button" onClick={refresh}>
            Try again
          </button>
        </section>
      )}
      {state.status === 'ready' && (
        <section className="panel public__card" aria-labelledby="request-title" data-testid="public-request">
          <div className="public__intro">
            <p className="muted">{state.request.owner.displayName} asks you for files</p>
            <h1 id="request-title" className="public__title">
              {state.request.title}
            </h1>
            {state.request.message && <p className="public__note">{state.request.message}</p>}
            <p className="muted" title={formatDateTime(state.request.expiresAt)}>
              {state.request.expiresAt ? `This request ${formatExpiry(state.request.expiresAt).toLowerCase()}.` : 'This request stays open until it is closed.'}
            </p>
          </div>
          {state.request.requiresPassword && state.access === null ? (
            <UnlockForm what="This request" unlock={unlock} />
          ) : isFull(state.request) && sent === 0 ? (
            <LinkProblem title="This request is full" testId="request-full">
              It has received all the files it asked for. Ask the person who sent it if they need more.
            </LinkProblem>
          ) : (
            <RequestUploader
              token={token}
              request={state.request}
              access={state.access}
              sent={sent}
              onSent={(count) => {
                setSent((n) => n + count)
                refresh()
              }}
              onAccessRefused={onAccessRefused}
              onChanged={refresh}
            />
          )}
        </section>
      )}
    </PublicLayout>
  )
}

/** What is left, in words: "3 more files, up to 2.0 GiB in all · files up to 1.0 GiB each". */
export function remainingText(request: PublicFileRequest): string {
  const parts: string[] = []
  if (request.remainingFiles !== null) parts.push(request.remainingFiles === 1 ? '1 more file' : `${request.remainingFiles} more files`)
  if (request.remainingBytes !== null) parts.push(`up to ${formatBytes(request.remainingBytes)} in all`)
  const room = parts.length > 0 ? `Room for ${parts.join(', ')}` : 'No limit on the number or total size of files'
  const each = request.maxUploadSize === null ? '' : ` · files up to ${formatBytes(request.maxUploadSize)} each`
  const types = request.allowedFileTypes === null ? '' : ` · types: ${request.allowedFileTypes.join(', ')}`
  return `${room}${each}${types}`
}

interface RequestUploaderProps {
  token: string
  request: PublicFileRequest
  access: string | null
  sent: number
  onSent: (count: number) => void
  onAccessRefused: () => void
  onChanged: () => void
}

function RequestUploader({ token, request, access, sent, onSent, onAccessRefused, onChanged }: RequestUploaderProps) {
  const { theme } = useTheme()
  const { notify } = useToasts()
  const nameId = useId()
  const [name, setName] = useState('')
  const [uppy, setUppy] = useState<DroplineUppy | null>(null)
  const [maxAppendSize, setMaxAppendSize] = useState<number | null | undefined>(undefined)
  const [thanked, setThanked] = useState(false)
  const urlStorage = useMemo(() => new UserUrlStorage(`request:${token}`), [token])
  const callbacks = useRef({ onSent, onAccessRefused, onChanged })
  useEffect(() => {
    callbacks.current = { onSent, onAccessRefused, onChanged }
  })

  // The most one request may carry (a proxy's body limit), from the tus endpoint's Upload-Limit.
  useEffect(() => {
    const controller = new AbortController()
    fetch(UPLOAD_ENDPOINT, { method: 'OPTIONS', signal: controller.signal }).then(
      (res) => setMaxAppendSize(maxAppendSizeOf(res.headers.get('upload-limit'))),
      () => {
        if (!controller.signal.aborted) setMaxAppendSize(null)
      },
    )
    return () => controller.abort()
  }, [])

  const { maxUploadSize, remainingFiles } = request
  // A string, so reading the request again (after each upload) does not rebuild Uppy mid-upload.
  const allowedTypes = JSON.stringify(request.allowedFileTypes)
  // The remaining count changes after every upload; the running instance keeps the first, and the server has the last word.
  // biome-ignore lint/correctness/useExhaustiveDependencies: remainingFiles is left out on purpose, as said above
  useEffect(() => {
    if (maxAppendSize === undefined) return
    const instance = createUppy({
      config: { maxUploadSize, allowedFileTypes: JSON.parse(allowedTypes) as string[] | null, maxAppendSize },
      urlStorage,
      request: { authorization: requestAuthorization(token, access), uppyId: 'dropline-request', maxNumberOfFiles: remainingFiles },
      onUploaded: () => undefined,
      onError: (message) => notify(message, 'error'),
    })
    instance.on('upload-error', (_file, _error, response) => {
      const status = response?.status ?? 0
      if (status === 401) callbacks.current.onAccessRefused()
      // Full or closed meanwhile: the page says so once it has read the request again.
      else if (status >= 400) callbacks.current.onChanged()
    })
    instance.on('complete', (result) => {
      const count = result.successful?.length ?? 0
      if (count > 0) callbacks.current.onSent(count)
      if (count > 0 && (result.failed?.length ?? 0) === 0) setThanked(true)
    })
    setUppy(instance)
    const hide = exposeForE2e(instance)
    return () => {
      hide()
      instance.destroy()
    }
  }, [maxAppendSize, maxUploadSize, allowedTypes, urlStorage, token, access, notify])

  useEffect(() => {
    uppy?.setMeta({ uploader: name })
  }, [uppy, name])

  useUploadGuard(uppy)

  if (thanked) {
    return (
      <div className="thanks" data-testid="request-thanks" role="status">
        <h2 className="thanks__title">Thank you!</h2>
        <p>
          {sent === 1 ? 'Your file has' : `Your ${sent} files have`} been sent to {request.owner.displayName}.
        </p>
        {!isFull(request) && (
          <button
            type="button"
            className="button"
            onClick={() => {
              uppy?.cancelAll()
              setThanked(false)
            }}
          >
            Send more files
          </button>
        )}
      </div>
    )
  }

  return (
    <div className="request-upload" data-testid="request-upload">
      <div className="field">
        <label className="field__label" htmlFor={nameId}>
          Your name (optional)
        </label>
        <input id={nameId} autoComplete="name" value={name} maxLength={100} onChange={(event) => setName(event.target.value)} placeholder="So they know who sent the files" />
      </div>
      <p className="muted request-upload__limits" data-testid="request-remaining">
        {remainingText(request)}
      </p>
      {uppy ? (
        <Dashboard
          uppy={uppy}
          theme={theme}
          width="100%"
          height={360}
          proudlyDisplayPoweredByUppy={false}
          showRemoveButtonAfterComplete
          note="Interrupted? Choose the same file again and it continues where it stopped."
        />
      ) : (
        <p className="panel__placeholder" role="status">
          Preparing the upload area…
        </p>
      )}
    </div>
  )
}
