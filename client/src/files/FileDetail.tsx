import { useEffect, useRef } from 'react'
import { getFile } from '../api/files'
import type { File as FileItem } from '@dropline/contract'
import { formatBytes } from '../format/formatBytes'
import { formatDateTime } from '../format/formatDate'
import { formatExpiry } from '../forms/expiry'
import { Modal } from '../layout/Modal'
import { CopyButton } from './CopyButton'
import { ExtractedData } from './ExtractedData'
import { FileActions } from './FileActions'
import { FileEditForm } from './FileEditForm'
import { StatusBadge } from './StatusBadge'
import { Thumbnail } from './Thumbnail'

interface FileDetailProps {
  file: FileItem
  onClose: () => void
  onChanged: (file: FileItem) => void
  onShare: (file: FileItem) => void
  onDeleted: (id: string) => void
}

export function FileDetail({ file, onClose, onChanged, onShare, onDeleted }: FileDetailProps) {
  const onChangedRef = useRef(onChanged)
  useEffect(() => {
    onChangedRef.current = onChanged
  })

  // The row that opened this may be a few events behind; show the server's current copy.
  useEffect(() => {
    const controller = new AbortController()
    getFile(file.id, controller.signal).then(
      (fresh) => onChangedRef.current(fresh),
      () => {
        // Keep showing what we have; a deletion arrives as its own event.
      },
    )
    return () => controller.abort()
  }, [file.id])

  const pending = file.status === 'uploaded' || file.status === 'processing'

  return (
    <Modal title={file.filename} closeLabel="Close details" wide onClose={onClose}>
      {file.title && <p className="detail__subtitle">{file.title}</p>}
      {file.description && <p className="detail__description">{file.description}</p>}

      {file.extracted?.['thumbnail'] === true && <Thumbnail fileId={file.id} alt={`Preview of ${file.filename}`} version={file.updatedAt} />}

      <dl className="details-list">
        <div className="details-list__row">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={file.status} />
          </dd>
        </div>
        <div className="details-list__row">
          <dt>Size</dt>
          <dd>
            {formatBytes(file.size)} <span className="muted">({file.size.toLocaleString()} bytes)</span>
          </dd>
        </div>
        <div className="details-list__row">
          <dt>Type</dt>
          <dd className="mono">{file.mimeType}</dd>
        </div>
        <div className="details-list__row">
          <dt>Uploaded</dt>
          <dd>{formatDateTime(file.createdAt)}</dd>
        </div>
        <div className="details-list__row">
          <dt>Processed</dt>
          <dd>{formatDateTime(file.processedAt)}</dd>
        </div>
        <div className="details-list__row">
          <dt>Expires</dt>
          <dd>{file.expiresAt ? `${formatDateTime(file.expiresAt)} (${formatExpiry(file.expiresAt).toLowerCase()})` : 'Never'}</dd>
        </div>
        {file.request && (
          <div className="details-list__row">
            <dt>Sent through</dt>
            <dd>
              the request “{file.request.title}”{file.request.uploader ? ` by ${file.request.uploader}` : ''}
            </dd>
          </div>
        )}
        <div className="details-list__row">
          <dt>Owner</dt>
          <dd>
            {file.owner.displayName} ({file.owner.email})
          </dd>
        </div>
        <div className="details-list__row">
          <dt>SHA-256</dt>
          <dd className="detail__hash">
            {file.sha256 ? (
              <>
                <span className="mono">{file.sha256}</span>
                <CopyButton text={file.sha256} label="Copy SHA-256" />
              </>
            ) : (
              <span className="muted">Computed during processing</span>
            )}
          </dd>
        </div>
        <div className="details-list__row">
          <dt>File ID</dt>
          <dd className="mono">{file.id}</dd>
        </div>
      </dl>

      {pending && (
        <p className="message message--info" role="status">
          {file.status === 'processing' ? 'Processing…' : 'Waiting to be processed.'} This updates by itself.
        </p>
      )}
      {file.status === 'failed' && <p className="message message--error">Processing failed{file.error ? `: ${file.error}` : '.'}</p>}

      {file.extracted && (
        <section aria-labelledby="extracted-heading">
          <h3 id="extracted-heading" className="detail__section-title">
            Extracted data
          </h3>
          <ExtractedData data={file.extracted} />
        </section>
      )}

      <FileEditForm key={file.id} file={file} onSaved={onChanged} />

      <section aria-labelledby="actions-heading">
        <h3 id="actions-heading" className="detail__section-title">
          Actions
        </h3>
        <FileActions file={file} onShare={() => onShare(file)} onDeleted={onDeleted} />
      </section>
    </Modal>
  )
}
