import type { File as FileItem } from '@dropline/contract'
import { useState } from 'react'
import { FileFilters } from './FileFilters'
import { emptyFilters, hasActiveFilters, type FileFilterValues } from './fileFilters'
import { FileList } from './FileList'
import type { FileList as FileListModel } from './useFileList'

interface FilesPanelProps {
  list: FileListModel
  filters: FileFilterValues
  canViewAll: boolean
  onFiltersChange: (filters: FileFilterValues) => void
  onOpen: (file: FileItem) => void
  onShare: (files: FileItem[]) => void
}

export function FilesPanel({ list, filters, canViewAll, onFiltersChange, onOpen, onShare }: FilesPanelProps) {
  const filtered = hasActiveFilters(filters)
  const firstLoad = list.status === 'loading' && list.items.length === 0
  const [selectedIds, setSelectedIds] = useState<ReadonlySet<string>>(() => new Set())
  // Files that left the list (deleted, filtered out) leave the selection too.
  const selection = list.items.filter((file) => selectedIds.has(file.id))
  const toggle = (id: string, on: boolean) =>
    setSelectedIds((current) => {
      const next = new Set(current)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })

  return (
    <section className="panel files-panel" aria-labelledby="files-heading">
      <h2 id="files-heading" className="panel__title" tabIndex={-1}>
        Files
      </h2>
      <FileFilters filters={filters} canViewAll={canViewAll} onChange={onFiltersChange} />
      {selection.length > 0 && (
        <div className="selection-bar" role="region" aria-label="Selected files" data-testid="selection-bar">
          <span className="selection-bar__count" aria-live="polite">
            {selection.length} selected
          </span>
          <div className="button-row">
            <button type="button" className="button button--primary button--small" onClick={() => onShare(selection)}>
              Share {selection.length === 1 ? '1 file' : `${selection.length} files`}
            </button>
            <button type="button" className="button button--small" onClick={() => setSelectedIds(new Set())}>
              Clear selection
            </button>
          </div>
        </div>
      )}

      <div className="files-panel__body" data-testid="file-list" aria-busy={list.status === 'loading'}>
        {list.error && (
          <div className="message message--error" role="alert">
            <p>Couldn’t load files: {list.error}</p>
            <button type="button" className="button button--small" onClick={list.retry}>
              Try again
            </button>
          </div>
        )}
        {firstLoad && (
          <p className="panel__placeholder" role="status">
            Loading files…
          </p>
        )}
        {list.status !== 'loading' && list.items.length === 0 && !list.error && (
          <div className="empty-state">
            {filtered ? (
              <>
                <p className="empty-state__title">No files match these filters.</p>
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => onFiltersChange({ ...emptyFilters, allOwners: filters.allOwners })}
                >
                  Clear filters
                </button>
              </>
            ) : (
              <>
                <p className="empty-state__title">No files yet.</p>
                <p className="muted">Drop a file on the upload area, or browse for one, to get started.</p>
              </>
            )}
          </div>
        )}
        {list.items.length > 0 && (
          <FileList
            files={list.items}
            showOwner={filters.allOwners}
            busy={list.status === 'loading'}
            selectedIds={selectedIds}
            onOpen={onOpen}
            onSelect={toggle}
            onSelectAll={(on) => setSelectedIds(on ? new Set(list.items.map((file) => file.id)) : new Set())}
          />
        )}
        {list.nextCursor && list.items.length > 0 && (
          <div className="files-panel__more">
            <button type="button" className="button" onClick={list.loadMore} disabled={list.loadingMore}>
              {list.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </div>
    </section>
  )
}
