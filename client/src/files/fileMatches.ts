import type { FileQuery } from '../api/files'
import type { FileItem } from '../api/types'

/** The server's filter rules (see the contract), applied to files that arrive live. */
export function fileMatches(query: FileQuery, file: FileItem, viewerId: string): boolean {
  if (!query.allOwners && file.owner.id !== viewerId) return false
  if (query.status && file.status !== query.status) return false
  if (query.type) {
    const matchesType = query.type.endsWith('/') ? file.mimeType.startsWith(query.type) : file.mimeType === query.type
    if (!matchesType) return false
  }
  if (query.q) {
    const needle = query.q.toLowerCase()
    const inName = file.filename.toLowerCase().includes(needle)
    const inTitle = (file.title ?? '').toLowerCase().includes(needle)
    if (!inName && !inTitle) return false
  }
  return true
}

/** Newest first, the order the server pages in. */
export function newestFirst(a: FileItem, b: FileItem): number {
  return b.createdAt.localeCompare(a.createdAt)
}
