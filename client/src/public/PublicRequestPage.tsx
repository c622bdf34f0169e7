import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import type { PublicFileRequest } from '@dropline/contract'
import Dashboard from '@uppy/react/dashboard'
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { maxAppendSizeOf } from '../api/files'
import { getPublicRequest, requestAuthorization, unlockRequest } from '../api/publicLinks'
import { formatBytes } from '../format/formatBytes'
import { useToasts } from '../notifications/useToasts'
import { useTheme } from '../theme/useTheme'
import { createUppy, UPLOAD_ENDPOINT, type DroplineUppy } from '../upload/createUppy'
import { exposeForE2e } from '../upload/exposeForE2e'
import { useUploadGuard } from '../upload/useUploadGuard'
import { UserUrlStorage } from '../upload/userUrlStorage'
import { LinkCard } from './LinkCard'
import { LinkProblem, PublicLinkPage } from './PublicLayout'
import { usePublicLink, type LinkProblems, type LinkProblemText } from './usePublicLink'

const PROBLEMS: LinkProblems = {
  notFound: {
    title: 'This link doesn’t work',
    text: 'The request may have been closed by the person who made it, or the link mistyped. Ask them for a new one.',
    testId: 'request-not-found',
  },
  expired: {
    title: 'This request has closed',
    text: 'It was open for a limited time, and that time is over. Ask the person who sent it if they still need your files.',
    testId: 'request-expired',
  },
}

const FULL: LinkProblemText = {
  title: 'This request is full',
  text: 'It has received all the files it asked for. Ask the person who sent it if they need more.',
  testId: 'request-full',
}

/** The public request needs no access token to be read; uploads carry it. */
const readRequest = (token: string, _access: string | null, signal: AbortSignal) => getPublicRequest(token, signal)

function isFull(request: PublicFileRequest): boolean {
  return request.remainingFiles === 0 || request.remainingBytes === 0
}

/** `/r/<token>`: someone asked for files; anyone with the link uploads them, resumably. */
export function PublicRequestPage({ token }: { token: string }) {
  const link = usePublicLink({ kind: 'request', token, read: readRequest, unlock: unlockRequest, problems: PROBLEMS })
  const [sent, setSent] = useState(0)
  const { reload } = link

  useEffect(() => {
    document.title = 'Send files · Dropline'
  }, [])

  return (
    <PublicLinkPage link={link}>
      {(request, access) => (
        <LinkCard
          testId="public-request"
          kicker={`${request.owner.displayName} asks you for files`}
          title={request.title}
          note={request.message}
          expiresAt={request.expiresAt}
          noun="request"
          neverExpires="This request stays open until it is closed."
          locked={request.requiresPassword && access === null}
          unlock={link.unlock}
        >
          {isFull(request) && sent === 0 ? (
            <LinkProblem problem={FULL} />
          ) : (
            <RequestUploader
              token={token}
              request={request}
              access={access}
              sent={sent}
              onSent={(count) => {
                setSent((n) => n + count)
                reload()
              }}
              onAccessRefused={link.accessRefused}
              onChanged={reload}
            />
          )}
        </LinkCard>
      )}
    </PublicLinkPage>
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
        <input
          id={nameId}
          autoComplete="name"
          value={name}
          maxLength={100}
          onChange={(event) => setName(event.target.value)}
          placeholder="So they know who sent the files"
        />
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
