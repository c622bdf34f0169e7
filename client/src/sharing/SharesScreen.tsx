import type { FileRequest, Share, ShareDownloadedEvent } from '@dropline/contract'
import { useEffect, useState } from 'react'
import { messageOf } from '../api/ApiError'
import { deleteRequest, getRequest, listRequests, listShares, revokeShare } from '../api/shares'
import { CopyButton } from '../files/CopyButton'
import { formatBytes } from '../format/formatBytes'
import { formatDateTime, formatShortDate } from '../format/formatDate'
import { formatExpiry, isExpired } from '../forms/expiry'
import { useToasts } from '../notifications/useToasts'
import { RequestDialog } from './RequestDialog'
import { ShareEditDialog } from './ShareEditDialog'
import { describeFiles, formatDownloads } from './shareText'
import { useCursorList, type CursorList } from './useCursorList'

/** What the signed-in screen passes on from the socket to this view while it is open. */
export type SharesEvent =
  | { type: 'downloaded'; event: ShareDownloadedEvent }
  /** A file arrived through one of the user's requests: its counts changed. */
  | { type: 'received'; requestId: string }
  /** The socket reconnected: whatever happened meanwhile was not heard. */
  | { type: 'resync' }

interface SharesScreenProps {
  /** Registers for live events; returns the unsubscribe. */
  subscribe: (listener: (event: SharesEvent) => void) => () => void
}

type Editing = { kind: 'share'; share: Share } | { kind: 'request'; request?: FileRequest } | null

/** The user's public links and file requests, with their counts (live), edit and revoke. */
export function SharesScreen({ subscribe }: SharesScreenProps) {
  const shares = useCursorList(listShares)
  const requests = useCursorList(listRequests)
  const [editing, setEditing] = useState<Editing>(null)
  const { update: updateShare, reload: reloadShares } = shares
  const { update: updateRequest, reload: reloadRequests } = requests

  useEffect(
    () =>
      subscribe((live) => {
        if (live.type === 'downloaded') {
          const { shareId, downloads } = live.event
          updateShare(shareId, (share) => ({ ...share, downloads: Math.max(share.downloads, downloads) }))
        } else if (live.type === 'received') {
          // The server's counts, not a guess; answers to two quick uploads may cross, and counts only grow.
          getRequest(live.requestId).then(
            (fresh) =>
              updateRequest(fresh.id, (held) => ({ ...fresh, files: Math.max(held.files, fresh.files), bytes: Math.max(held.bytes, fresh.bytes) })),
            () => {
              // Closed meanwhile, or out of reach: the list shows what it had.
            },
          )
        } else {
          reloadShares()
          reloadRequests()
        }
      }),
    [subscribe, updateShare, updateRequest, reloadShares, reloadRequests],
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

interface ItemActionsProps {
  url: string
  copyLabel: string
  /** The item in words, for the buttons' names: "the share of a.png", "the request Scans". */
  name: string
  onEdit: () => void
  /** Revoke, Close: the button, and what it does once confirmed. */
  removal: { label: string; confirm: string; action: string; send: () => Promise<void>; done: string; failed: string }
  onRemoved: () => void
}

/** Copy, Edit and a removal that asks first, for a share or a request. */
function ItemActions({ url, copyLabel, name, onEdit, removal, onRemoved }: ItemActionsProps) {
  const { notify } = useToasts()
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)

  const remove = async () => {
    setBusy(true)
    try {
      await removal.send()
      notify(removal.done, 'success')
      onRemoved()
    } catch (caught) {
      notify(`${removal.failed}: ${messageOf(caught)}`, 'error')
      setBusy(false)
    }
  }

  if (confirming) {
    return (
      <div className="confirm shares__confirm" role="group" aria-label={removal.confirm}>
        <p className="confirm__text">{removal.confirm}</p>
        <div className="button-row">
          {/* biome-ignore lint/a11y/noAutofocus: the confirmation replaces the button that had focus; focus follows it */}
          <button type="button" className="button button--danger button--small" onClick={remove} disabled={busy} autoFocus>
            {busy ? 'Working…' : removal.action}
          </button>
          <button type="button" className="button button--small" onClick={() => setConfirming(false)} disabled={busy}>
            Keep it
          </button>
        </div>
      </div>
    )
  }
  return (
    <div className="button-row">
      <CopyButton text={url} label={copyLabel} />
      <button type="button" className="button button--small" onClick={onEdit} aria-label={`Edit ${name}`}>
        Edit
      </button>
      <button
        type="button"
        className="button button--small button--danger-quiet"
        onClick={() => setConfirming(true)}
        aria-label={`${removal.label} ${name}`}
      >
        {removal.label}
      </button>
    </div>
  )
}

function ShareItem({ share, onEdit, onRevoked }: { share: Share; onEdit: () => void; onRevoked: () => void }) {
  const state = shareState(share)
  const name = describeFiles(share.files)

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
      <ItemActions
        url={share.url}
        copyLabel={`Copy the link to ${name}`}
        name={`the share of ${name}`}
        onEdit={onEdit}
        removal={{
          label: 'Revoke',
          confirm: `Revoke the link to ${name}? It stops working at once.`,
          action: 'Revoke link',
          send: () => revokeShare(share.id),
          done: `Revoked the link to ${name}`,
          failed: 'Couldn’t revoke the link',
        }}
        onRemoved={onRevoked}
      />
    </li>
  )
}

function requestLimits(request: FileRequest): string {
  const files =
    request.maxFiles === null ? `${request.files} ${request.files === 1 ? 'file' : 'files'}` : `${request.files} of ${request.maxFiles} files`
  const bytes = request.maxBytes === null ? formatBytes(request.bytes) : `${formatBytes(request.bytes)} of ${formatBytes(request.maxBytes)}`
  return `${files} · ${bytes}`
}

function RequestItem({ request, onEdit, onDeleted }: { request: FileRequest; onEdit: () => void; onDeleted: () => void }) {
  const expired = isExpired(request.expiresAt)

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
      <ItemActions
        url={request.url}
        copyLabel={`Copy the link of ${request.title}`}
        name={`the request ${request.title}`}
        onEdit={onEdit}
        removal={{
          label: 'Close',
          confirm: `Close “${request.title}”? Its link stops working; files already sent stay yours.`,
          action: 'Close request',
          send: () => deleteRequest(request.id),
          done: `Closed the request “${request.title}”`,
          failed: 'Couldn’t close the request',
        }}
        onRemoved={onDeleted}
      />
    </li>
  )
}
