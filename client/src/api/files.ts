import { apiJson, authorizedFetch } from './client'
import type { FileCursorPage, File as FileItem, FileStatus, UploadConfig } from '@dropline/contract'

export interface FileQuery {
  q: string
  type: string
  status: FileStatus | ''
  /** Admins only: include everyone's files. */
  allOwners: boolean
}

const PAGE_SIZE = 20

export function listFiles(query: FileQuery, cursor: string | null, signal?: AbortSignal): Promise<FileCursorPage> {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) })
  if (cursor) params.set('cursor', cursor)
  if (query.q) params.set('q', query.q)
  if (query.type) params.set('type', query.type)
  if (query.status) params.set('status', query.status)
  if (query.allOwners) params.set('owner', 'all')
  return apiJson<FileCursorPage>(`/api/files?${params}`, { signal })
}

const filePath = (id: string) => `/api/files/${encodeURIComponent(id)}`

export function getFile(id: string, signal?: AbortSignal): Promise<FileItem> {
  return apiJson<FileItem>(filePath(id), { signal })
}

export type FileChanges = Partial<Pick<FileItem, 'filename' | 'title' | 'description' | 'expiresAt'>>

export function updateFile(id: string, changes: FileChanges): Promise<FileItem> {
  return apiJson<FileItem>(filePath(id), { method: 'PATCH', json: changes })
}

export async function deleteFile(id: string): Promise<void> {
  await authorizedFetch(filePath(id), { method: 'DELETE' })
}

export async function reprocessFile(id: string): Promise<void> {
  await authorizedFetch(`${filePath(id)}/reprocess`, { method: 'POST' })
}

/**
 * The whole file as a Blob, because the content endpoint needs the bearer header and a plain
 * link cannot send one. This holds the file in memory: very large downloads would want a
 * short-lived signed link from the server instead, so the browser can stream to disk.
 */
/** A short-lived link the browser can download from by itself, streaming to disk. */
export function createDownloadLink(id: string): Promise<{ url: string; expiresAt: string }> {
  return apiJson(`${filePath(id)}/download-link`, { method: 'POST' })
}

export async function fetchThumbnail(id: string, signal?: AbortSignal): Promise<Blob> {
  const res = await authorizedFetch(`${filePath(id)}/thumbnail`, { signal })
  return res.blob()
}

/** `/api/config` plus what the tus endpoint tells: the most one upload request may carry (null: no limit). */
export type UploadSettings = UploadConfig & { maxAppendSize: number | null }

/**
 * The server's limits: `/api/config`, plus the largest request body an upload may send, from the
 * tus endpoint's `Upload-Limit` (`max-append-size`, set when a proxy in front limits bodies).
 */
export async function getUploadConfig(signal?: AbortSignal): Promise<UploadSettings> {
  const [config, options] = await Promise.all([
    apiJson<UploadConfig>('/api/config', { signal }),
    fetch('/api/uploads/', { method: 'OPTIONS', signal }),
  ])
  return { ...config, maxAppendSize: maxAppendSizeOf(options.headers.get('upload-limit')) }
}

export function maxAppendSizeOf(uploadLimit: string | null): number | null {
  const match = /(?:^|,)\s*max-append-size=(\d+)/.exec(uploadLimit ?? '')
  return match ? Number(match[1]) : null
}
