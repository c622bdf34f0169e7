import type { PublicShare, PublicShareFile } from '@dropline/contract'
import { useCallback, useEffect, useState } from 'react'
import { ApiError, messageOf } from '../api/ApiError'
import { getPublicShare, shareFileUrl, shareZipUrl, unlockShare } from '../api/publicLinks'
import { fileTypeLabel } from '../files/fileTypeLabel'
import { formatBytes } from '../format/formatBytes'
import { formatDateTime } from '../format/formatDate'
import { formatExpiry } from '../sharing/expiry'
import { forgetAccess, readAccess, storeAccess } from './accessStore'
import { FilePreview } from './FilePreview'
import { LinkProblem, PublicLayout } from './PublicLayout'
import { previewKindOf } from './publicRoute'
import { UnlockForm } from './UnlockForm'

type State =
  | { status: 'loading' }
  | { status: 'gone'; reason: 'not-found' | 'expired' | 'used-up' }
  | { status: 'error'; message: string }
  | { status: 'ready'; share: PublicShare; access: string | null }

/** Why a link answered with an error, as a page state. */
function stateOf(error: unknown): State {
  if (error instanceof ApiError) {
    if (error.status === 404) return { status: 'gone', reason: 'not-found' }
    if (error.code === 'download_limit_reached') return { status: 'gone', reason: 'used-up' }
    if (error.status === 410) return { status: 'gone', reason: 'expired' }
  }
  return { status: 'error', message: messageOf(error) }
}

/** `/s/<token>`: the files someone shared, for anyone with the link. */
export function PublicSharePage({ token }: { token: string }) {
  const [state, setState] = useState<State>({ status: 'loading' })
  const [round, setRound] = useState(0)
  const [previewing, setPreviewing] = useState<PublicShareFile | null>(null)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is a trigger: a new round (retry, unlock) loads the share again
  useEffect(() => {
    const controller = new AbortController()
    const access = readAccess('share', token)
    getPublicShare(token, access, controller.signal).then(
      (share) => setState({ status: 'ready', share, access }),
      (error: unknown) => {
        if (controller.signal.aborted) return
        // An unlock that has run out: ask for the password again.
        if (access && error instanceof ApiError && error.status === 401) {
          forgetAccess('share', token)
          setRound((n) => n + 1)
          return
        }
        setState(stateOf(error))
      },
    )
    return () => controller.abort()
  }, [token, round])

  const unlock = useCallback(
    async (password: string) => {
      const access = await unlockShare(token, password)
      storeAccess('share', token, access)
      setRound((n) => n + 1)
    },
    [token],
  )

  useEffect(() => {
    document.title = 'Shared files · Dropline'
  }, [])

  return (
    <PublicLayout>
      {state.status === 'loading' && (
        <p className="panel__placeholder" role="status">
          Opening the link…
        </p>
      )}
      {state.status === 'gone' && state.reason === 'not-found' && (
        <LinkProblem title="This link doesn’t work" testId="share-not-found">
          It may have been revoked by the person who shared it, or mistyped. Ask them for a new link.
        </LinkProblem>
      )}
      {state.status === 'gone' && state.reason === 'expired' && (
        <LinkProblem title="This link has expired" testId="share-expired">
          The files were shared for a limited time, and that time is over. Ask the person who shared them for a new link.
        </LinkProblem>
      )}
      {state.status === 'gone' && state.reason === 'used-up' && (
        <LinkProblem title="This link has been used up" testId="share-used-up">
          It allowed a set number of downloads, and they have all been made. Ask the person who shared the files for a new link.
        </LinkProblem>
      )}
      {state.status === 'error' && (
        <section className="panel public__problem">
          <p className="message message--error" role="alert">
            Couldn’t open the link: {state.message}
          </p>
          <button type="button" className="button" onClick={() => setRound((n) => n + 1)}>
            Try again
          </button>
        </section>
      )}
      {state.status === 'ready' && (
        <section className="panel public__card" aria-labelledby="share-title" data-testid="public-share">
          <div className="public__intro">
            <h1 id="share-title" className="public__title">
              {state.share.owner.displayName} shared files with you
            </h1>
            {state.share.note && <p className="public__note">{state.share.note}</p>}
            <p className="muted" title={formatDateTime(state.share.expiresAt)}>
              {state.share.expiresAt ? `This link ${formatExpiry(state.share.expiresAt).toLowerCase()}.` : 'This link does not expire.'}
            </p>
          </div>
          {state.share.requiresPassword && state.access === null ? (
            <UnlockForm what="This link" unlock={unlock} />
          ) : (
            <ShareFiles token={token} share={state.share} access={state.access} onPreview={setPreviewing} />
          )}
        </section>
      )}
      {previewing && state.status === 'ready' && (
        <FilePreview file={previewing} url={shareFileUrl(token, previewing.id, state.access, true)} onClose={() => setPreviewing(null)} />
      )}
    </PublicLayout>
  )
}

interface ShareFilesProps {
  token: string
  share: PublicShare
  access: string | null
  onPreview: (file: PublicShareFile) => void
}

function ShareFiles({ token, share, access, onPreview }: ShareFilesProps) {
  const total = share.files.reduce((sum, file) => sum + file.size, 0)
  if (share.files.length === 0) return <p className="empty-state">The shared files have since been deleted.</p>
  return (
    <>
      <div className="public__summary">
        <span>
          {share.files.length === 1 ? '1 file' : `${share.files.length} files`} · {formatBytes(total)}
        </span>
        {share.files.length > 1 && (
          <a className="button button--primary" href={shareZipUrl(token, access)} download data-testid="download-all">
            Download all (ZIP)
          </a>
        )}
      </div>
      <ul className="public-files" aria-label="Shared files">
        {share.files.map((file) => (
          <li key={file.id} className="public-files__item" data-testid="public-file">
            <div className="public-files__main">
              <span className="public-files__name">{file.filename}</span>
              <span className="muted public-files__meta">
                {formatBytes(file.size)} · {fileTypeLabel(file.mimeType)}
              </span>
            </div>
            <div className="button-row">
              {previewKindOf(file.mimeType) && (
                <button type="button" className="button button--small" onClick={() => onPreview(file)} aria-label={`Preview ${file.filename}`}>
                  Preview
                </button>
              )}
              <a className="button button--small" href={shareFileUrl(token, file.id, access)} download={file.filename} aria-label={`Download ${file.filename}`}>
                Download
              </a>
            </div>
          </li>
        ))}
      </ul>
    </>
  )
}
