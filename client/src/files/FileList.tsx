import type { File as FileItem } from '@dropline/contract'
import { FileRow } from './FileRow'

interface FileListProps {
  files: FileItem[]
  showOwner: boolean
  busy: boolean
  onOpen: (file: FileItem) => void
}

/**
 * A table on wide screens and stacked cards on phones. The explicit roles keep table
 * semantics for screen readers once CSS turns the rows into blocks.
 */
export function FileList({ files, showOwner, busy, onOpen }: FileListProps) {
  return (
    <table className="file-list" role="table" aria-busy={busy} aria-label="Files">
      <thead role="rowgroup">
        <tr role="row">
          <th role="columnheader" scope="col">Name</th>
          <th role="columnheader" scope="col" className="numeric">Size</th>
          <th role="columnheader" scope="col">Type</th>
          <th role="columnheader" scope="col">Status</th>
          <th role="columnheader" scope="col">SHA-256</th>
          <th role="columnheader" scope="col">Uploaded</th>
          {showOwner && <th role="columnheader" scope="col">Owner</th>}
        </tr>
      </thead>
      <tbody role="rowgroup">
        {files.map((file) => (
          <FileRow key={file.id} file={file} showOwner={showOwner} onOpen={onOpen} />
        ))}
      </tbody>
    </table>
  )
}
