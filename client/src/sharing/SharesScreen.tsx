import type { FileRequest, Share, ShareDownloadedEvent } from '@dropline/contract'
import { useEffect, useState } from 'react'
import { messageOf } from '../api/ApiError'
import { deleteRequest, listRequests, listShares, revokeShare } from '../api/shares'
import { CopyButton } from '../files/CopyButton'
import { formatBytes } from '../format/formatBytes'
import { formatDateTime, formatShortDate } from '../format/formatDate'
import { useToasts } from '../notifications/useToasts'
import { formatExpiry, isExpired } from './expiry'
import { RequestDialog } from './RequestDialog'
import { ShareEditDialog } from './ShareEditDialog'
import { describeFiles, formatDownloads } from './shareText'
import { useCursorList, type CursorList } from './useCursorList'

interface SharesScreenProps {
  /** Registers for live download counts; returns the unsubscribe. */
  subscribeDownloads: (listener: (event: ShareDownloadedEvent) => void) => () => void
}

type Editing = { kind: 'share'; share: Share } | { kind: 'request'; request?: FileRequest } | null

/** The user's public links and file requests, with their counts, edit and revoke. */
export function SharesScreen({ subscribeDownloads }: SharesScreenProps) {
  const shares = useCursorList(listShares)
  const requests = useCursorList(listRequests)
  const [editing, setEditing] = useState<Editing>(null)
  const { update } = shares

  useEffect(
    () => subscribeDownloads((event) => update(event.shareId, (share) => ({ ...share, downloads: Math.max(share.downloads, event.downloads) }))),
    [subscribeDownloads, update],
  )

  return (
    <div className="shares">
      <h1 className="visually-hidden">Shares and file requests</h1>
      <section className="panel" aria-labelledby="shares-heading">
        <div className="panel__head">
          <h2 id="shares-heading" className="panel__title">
            Shared links
          </h2>
        </div>
        <ListBody list={shares} empty="No shared links yet. Select files in your list and choose Share.">
          <ul className="admin-list" data-testid="share-list">
            {shares.items.map((share) => (
              <ShareItem key={share.id} share={share} onEdit={() => setEditing({ kind: 'share', share })} onRevoked={() => shares.remove(share.id)} />
            ))}
          </ul>
        </ListBody>
      </section>

      <section className="panel" aria-labelledby="requests-heading">
        <div className="panel__head">
          <h2 id="requests-heading" className="panel__title">
            File requests
          </h2>
          <button type="button" className="button button--primary button--small" onClick={() => setEditing({ kind: 'request' })}>
            New file request
          </button>
        </div>
        <ListBody list={requests} empty="No file requests yet. Create one to let people without an account upload to you.">
          <ul className="admin-list" data-testid="request-list">
            {requests.items.map((request) => (
              <RequestItem
                key={request.id}
                request={request}
                onEdit={() => setEditing({ kind: 'request', request })}
                onDeleted={() => requests.remove(request.id)}
              />
            ))}
          </ul>
        </ListBody>
      </section>

      {editing?.kind === 'share' && <ShareEditDialog share={editing.share} onClose={() => setEditing(null)} onSaved={shares.put} />}
      {editing?.kind === 'request' && <RequestDialog request={editing.request} onClose={() => setEditing(null)} onSaved={requests.put} />}
    </div>
  )
}

function ListBody<T extends { id: string }>({ list, empty, children }: { list: CursorList<T>; empty: string; children: React.ReactNode }) {
  if (list.status === 'loading' && list.items.length === 0) {
    return (
      <p className="panel__placeholder" role="status">
        Loading…
      </p>
    )
  }
  return (
    <>
      {list.error && (
        <div className="message message--error" role="alert">
          <p>Couldn’t load: {list.error}</p>
          <button type="button" className="button button--small" onClick={list.reload}>
            Try again
          </button>
        </div>
      )}
      {list.status === 'ready' && list.items.length === 0 ? <p className="empty-state">{empty}</p> : children}
      {list.hasMore && (
        <div className="files-panel__more">
          <button type="button" className="button" onClick={list.loadMore} disabled={list.loadingMore}>
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  )
}

/** Whether a link still works, as its visitors would find it. */
function shareState(share: Share): { label: string; tone: 'processed' | 'failed' | 'uploaded' } {
  if (isExpired(share.expiresAt)) return { label: 'Expired', tone: 'failed' }
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) return { label: 'Used up', tone: 'uploaded' }
  return { label: 'Active', tone: 'processed' }
}

function ConfirmRemove({ text, action, onConfirm, onCancel, busy }: { text: string; action: string; onConfirm: () => void; onCancel: () => void; busy: boolean }) {
  return (
    <div className="confirm shares__confirm" role="group" aria-label={text}>
      <p className="confirm__text">{text}</p>
      <div className="button-row">
        <button type="button" className="button button--danger button--small" onClick={onConfirm} disabled={busy} autoFocus>
          {busy ? 'Working…' : action}
        </button>
        <button type="button" className="button button--small" onClick={onCancel} disabled={busy}>
          Keep it
        </button>
      </div>
    </div>
  )
}

function ShareItem({ share, onEdit, onRevoked }: { share: Share; onEdit: () => void; onRevoked: () => void }) {
  const { notify } = useToasts()
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const state = shareState(share)
  const name = describeFiles(share.files)

  const revoke = async () => {
    setBusy(true)
    try {
      await revokeShare(share.id)
      notify(`Revoked the link to ${name}`, 'success')
      onRevoked()
    } catch (caught) {
      notify(`Couldn’t revoke the link: ${messageOf(caught)}`, 'error')
      setBusy(false)
    }
  }

  return (
    <li className="admin-list__item shares__item" data-testid="share-item" data-share-id={share.id}>
      <div className="admin-list__main">
        <span className="admin-list__name">
          {name} <span className={`badge badge--${state.tone}`}>{state.label}</span>
          {share.hasPassword && <span className="role-tag">password</span>}
        </span>
        <span className="admin-list__meta">
          <span data-testid="share-downloads">{formatDownloads(share.downloads, share.maxDownloads)}</span> ·{' '}
          <span title={formatDateTime(share.expiresAt)}>{formatExpiry(share.expiresAt)}</span> · created{' '}
          <time dateTime={share.createdAt}>{formatShortDate(share.createdAt)}</time>
        </span>
        {share.note && <span className="admin-list__details">“{share.note}”</span>}
        <span className="shares__url mono">{share.url}</span>
      </div>
      {confirming ? (
        <ConfirmRemove text={`Revoke the link to ${name}? It stops working at once.`} action="Revoke link" onConfirm={revoke} onCancel={() => setConfirming(false)} busy={busy} />
      ) : (
        <div className="button-row">
          <CopyButton text={share.url} label={`Copy the link to ${name}`} />
          <button type="button" className="button button--small" onClick={onEdit} aria-label={`Edit the share of ${name}`}>
            Edit
          </button>
          <button type="button" className="button button--small button--danger-quiet" onClick={() => setConfirming(true)} aria-label={`Revoke the share of ${name}`}>
            Revoke
          </button>
        </div>
      )}
    </li>
  )
}

function requestLimits(request: FileRequest): string {
  const files = request.maxFiles === null ? `${request.files} ${request.files === 1 ? 'file' : 'files'}` : `${request.files} of ${request.maxFiles} files`
  const bytes = request.maxBytes === null ? formatBytes(request.bytes) : `${formatBytes(request.bytes)} of ${formatBytes(request.maxBytes)}`
  return `${files} · ${bytes}`
}

function RequestItem({ request, onEdit, onDeleted }: { request: FileRequest; onEdit: () => void; onDeleted: () => void }) {
  const { notify } = useToasts()
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const expired = isExpired(request.expiresAt)

  const remove = async () => {
    setBusy(true)
    try {
      await deleteRequest(request.id)
      notify(`Closed the request “${request.title}”`, 'success')
      onDeleted()
    } catch (caught) {
      notify(`Couldn’t close the request: ${messageOf(caught)}`, 'error')
      setBusy(false)
    }
  }

  return (
    <li className="admin-list__item shares__item" data-testid="request-item" data-request-id={request.id}>
      <div className="admin-list__main">
        <span className="admin-list__name">
          {request.title} <span className={`badge badge--${expired ? 'failed' : 'processed'}`}>{expired ? 'Expired' : 'Open'}</span>
          {request.hasPassword && <span className="role-tag">password</span>}
        </span>
        <span className="admin-list__meta">
          <span data-testid="request-uploads">{requestLimits(request)}</span> ·{' '}
          <span title={formatDateTime(request.expiresAt)}>{formatExpiry(request.expiresAt)}</span>
        </span>
        {request.message && <span className="admin-list__details">{request.message}</span>}
        <span className="shares__url mono">{request.url}</span>
      </div>
      {confirming ? (
        <ConfirmRemove
          text={`Close “${request.title}”? Its link stops working; files already sent stay yours.`}
          action="Close request"
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
          busy={busy}
        />
      ) : (
        <div className="button-row">
          <CopyButton text={request.url} label={`Copy the link of ${request.title}`} />
          <button type="button" className="button button--small" onClick={onEdit} aria-label={`Edit the request ${request.title}`}>
            Edit
          </button>
          <button type="button" className="button button--small button--danger-quiet" onClick={() => setConfirming(true)} aria-label={`Close the request ${request.title}`}>
            Close
          </button>
        </div>
      )}
    </li>
  )
}
