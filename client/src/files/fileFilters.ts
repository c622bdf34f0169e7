import type { FileStatus } from '@dropline/contract'

export interface FileFilterValues {
  /** As typed; the list query uses a debounced copy. */
  search: string
  type: string
  status: FileStatus | ''
  allOwners: boolean
}

export const emptyFilters: FileFilterValues = { search: '', type: '', status: '', allOwners: false }

export const typeOptions: { value: string; label: string }[] = [
  { value: '', label: 'All types' },
  { value: 'image/', label: 'Images' },
  { value: 'video/', label: 'Videos' },
  { value: 'text/', label: 'Text' },
  { value: 'application/', label: 'Applications & archives' },
]

export const statusOptions: { value: FileStatus | ''; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'uploaded', label: 'Uploaded' },
  { value: 'processing', label: 'Processing' },
  { value: 'processed', label: 'Processed' },
  { value: 'failed', label: 'Failed' },
]

export function hasActiveFilters(filters: FileFilterValues): boolean {
  return filters.search.trim() !== '' || filters.type !== '' || filters.status !== ''
}
