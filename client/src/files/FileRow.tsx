import type { FileItem } from '../api/types'
import { formatBytes } from '../format/formatBytes'
import { formatDateTime, formatShortDate } from '../format/formatDate'
import { fileTypeLabel } from './fileTypeLabel'
import { StatusBadge } from './StatusBadge'

interface FileRowProps {
  file: FileItem
  showOwner: boolean
  onOpen: (file: FileItem) => void
}

export function FileRow({ file, showOwner, onOpen }: FileRowProps) {
  return (
    <tr role="row" className="file-row" data-testid="file-row" data-file-id={file.id} data-status={file.status}>
      <td role="cell" className="file-row__name" data-label="Name">
        <button
          type="button"
          className="link-button file-row__open"
          onClick={() => onOpen(file)}
          aria-label={`${file.filename}: show details`}
        >
          {file.filename}
        </button>
        {file.title && <span className="file-row__title">{file.title}</span>}
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
          <span className="muted" aria-label="Not yet computed">
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
