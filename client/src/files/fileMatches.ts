import type { FileQuery } from '../api/files'
import type { File as FileItem } from '@dropline/contract'

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

/**
 * True when `incoming` is an older copy of `held`. A file reaches the page both from requests and
 * from socket events, on different connections, so a response read before processing finished can
 * arrive after the event that says it has; it must not put the file back in the past.
 */
export function isOlderCopy(incoming: FileItem, held: FileItem): boolean {
  return Date.parse(incoming.updatedAt) < Date.parse(held.updatedAt)
}
