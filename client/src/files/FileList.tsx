import type { File as FileItem } from '@dropline/contract'
import { FileRow } from './FileRow'

interface FileListProps {
  files: FileItem[]
  showOwner: boolean
  busy: boolean
  selectedIds: ReadonlySet<string>
  onOpen: (file: FileItem) => void
  onSelect: (id: string, selected: boolean) => void
  onSelectAll: (selected: boolean) => void
}

/**
 * A table on wide screens and stacked cards on phones. The explicit roles keep table
 * semantics for screen readers once CSS turns the rows into blocks.
 */
export function FileList({ files, showOwner, busy, selectedIds, onOpen, onSelect, onSelectAll }: FileListProps) {
  const allSelected = files.length > 0 && files.every((file) => selectedIds.has(file.id))
  return (
    <table className="file-list" role="table" aria-busy={busy} aria-label="Files">
      <thead role="rowgroup">
        <tr role="row">
          <th role="columnheader" scope="col" className="file-row__select">
            <input type="checkbox" aria-label="Select all files" checked={allSelected} onChange={(event) => onSelectAll(event.target.checked)} />
          </th>
          <th role="columnheader" scope="col">
            Name
          </th>
          <th role="columnheader" scope="col" className="numeric">
            Size
          </th>
          <th role="columnheader" scope="col">
            Type
          </th>
          <th role="columnheader" scope="col">
            Status
          </th>
          <th role="columnheader" scope="col">
            SHA-256
          </th>
          <th role="columnheader" scope="col">
            Uploaded
          </th>
          {showOwner && (
            <th role="columnheader" scope="col">
              Owner
            </th>
          )}
        </tr>
      </thead>
      <tbody role="rowgroup">
        {files.map((file) => (
          <FileRow key={file.id} file={file} showOwner={showOwner} selected={selectedIds.has(file.id)} onOpen={onOpen} onSelect={onSelect} />
        ))}
      </tbody>
    </table>
  )
}
