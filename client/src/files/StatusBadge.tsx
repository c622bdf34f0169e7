import type { FileStatus } from '@dropline/contract'

/** Lowercase status text (capitalised by CSS), so tests and the API agree on the words. */
export function StatusBadge({ status }: { status: FileStatus }) {
  return (
    <span className={`badge badge--${status}`} data-testid="file-status" data-status={status}>
      {status === 'processing' && <span className="badge__spinner" aria-hidden="true" />}
      {status}
    </span>
  )
}
