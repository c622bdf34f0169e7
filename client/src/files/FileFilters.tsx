import type { FileStatus } from '@dropline/contract'
import { statusOptions, typeOptions, type FileFilterValues } from './fileFilters'

interface FileFiltersProps {
  filters: FileFilterValues
  canViewAll: boolean
  onChange: (filters: FileFilterValues) => void
}

export function FileFilters({ filters, canViewAll, onChange }: FileFiltersProps) {
  const set = <K extends keyof FileFilterValues>(key: K, value: FileFilterValues[K]) => onChange({ ...filters, [key]: value })

  return (
    <div className="filters" role="search" aria-label="Filter files">
      <label className="field filters__search">
        <span className="field__label">Search files</span>
        <input
          type="search"
          data-testid="search-input"
          placeholder="Name or title"
          value={filters.search}
          onChange={(event) => set('search', event.target.value)}
        />
      </label>
      <label className="field">
        <span className="field__label">Type</span>
        <select value={filters.type} onChange={(event) => set('type', event.target.value)}>
          {typeOptions.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field__label">Status</span>
        <select value={filters.status} onChange={(event) => set('status', event.target.value as FileStatus | '')}>
          {statusOptions.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      {canViewAll && (
        <label className="checkbox filters__owners">
          <input type="checkbox" checked={filters.allOwners} onChange={(event) => set('allOwners', event.target.checked)} />
          <span>Show everyone’s files</span>
        </label>
      )}
    </div>
  )
}
