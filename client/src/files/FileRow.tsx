import type { File as FileItem } from '@dropline/contract'
import { formatBytes } from '../format/formatBytes'
import { formatDateTime, formatShortDate } from '../format/formatDate'
import { formatExpiry } from '../forms/expiry'
import { fileTypeLabel } from './fileTypeLabel'
import { StatusBadge } from './StatusBadge'

interface FileRowProps {
  file: FileItem
  showOwner: boolean
  selected: boolean
  onOpen: (file: FileItem) => void
  onSelect: (id: string, selected: boolean) => void
}

export function FileRow({ file, showOwner, selected, onOpen, onSelect }: FileRowProps) {
  return (
    <tr
      role="row"
      className={`file-row${selected ? ' file-row--selected' : ''}`}
      data-testid="file-row"
      data-file-id={file.id}
      data-status={file.status}
    >
      <td role="cell" className="file-row__select">
        <input
          type="checkbox"
          aria-label={`Select ${file.filename}`}
          checked={selected}
          onChange={(event) => onSelect(file.id, event.target.checked)}
        />
      </td>
      <td role="cell" className="file-row__name" data-label="Name">
        <button type="button" className="link-button file-row__open" onClick={() => onOpen(file)} aria-label={`${file.filename}: show details`}>
          {file.filename}
        </button>
        {file.title && <span className="file-row__title">{file.title}</span>}
        {(file.request || file.expiresAt) && (
          <span className="file-row__origin">
            {file.request && (
              <span data-testid="file-request-origin">
                From {file.request.uploader ?? 'someone'} via “{file.request.title}”
              </span>
            )}
            {file.request && file.expiresAt && ' · '}
            {file.expiresAt && (
              <time data-testid="file-expiry" dateTime={file.expiresAt} title={formatDateTime(file.expiresAt)}>
                {formatExpiry(file.expiresAt)}
              </time>
            )}
          </span>
        )}
      </td>
      <td role="cell" data-label="Size" className="numeric">
        {formatBytes(file.size)}
      </td>
      <td role="cell" data-label="Type" className="nowrap">
        <span title={file.mimeType}>{fileTypeLabel(file.mimeType)}</span>
      </td>
      <td role="cell" data-label="Status">
        <StatusBadge status={file.status} />
      </td>
      <td role="cell" data-label="SHA-256" className="mono">
        {file.sha256 ? (
          <span title={file.sha256}>
            {file.sha256.slice(0, 8)}
            <span aria-hidden="true">…</span>
          </span>
        ) : (
          <span className="muted" role="img" aria-label="Not yet computed">
            —
          </span>
        )}
      </td>
      <td role="cell" data-label="Uploaded" className="nowrap">
        <time dateTime={file.createdAt} title={formatDateTime(file.createdAt)}>
          {formatShortDate(file.createdAt)}
        </time>
      </td>
      {showOwner && (
        <td role="cell" data-label="Owner" title={file.owner.email}>
          {file.owner.displayName}
        </td>
      )}
    </tr>
  )
}
