import type {
  CreateFileRequestBody,
  FileRequest,
  FileRequestPage,
  Share,
  ShareCreate,
  SharePage,
  ShareUpdate,
  UpdateFileRequestBody,
} from '@dropline/contract'
import { apiJson, authorizedFetch } from './client'

export function createShare(body: ShareCreate): Promise<Share> {
  return apiJson<Share>('/api/shares', { method: 'POST', json: body })
}

export function listShares(cursor: string | null, signal?: AbortSignal): Promise<SharePage> {
  const params = new URLSearchParams({ limit: '50' })
  if (cursor) params.set('cursor', cursor)
  return apiJson<SharePage>(`/api/shares?${params}`, { signal })
}

const sharePath = (id: string) => `/api/shares/${encodeURIComponent(id)}`

export const getShare = (id: string, signal?: AbortSignal) => apiJson<Share>(sharePath(id), { signal })

export function updateShare(id: string, changes: ShareUpdate): Promise<Share> {
  return apiJson<Share>(sharePath(id), { method: 'PATCH', json: changes })
}

export async function revokeShare(id: string): Promise<void> {
  await authorizedFetch(sharePath(id), { method: 'DELETE' })
}

export function createRequest(body: CreateFileRequestBody): Promise<FileRequest> {
  return apiJson<FileRequest>('/api/requests', { method: 'POST', json: body })
}

export function listRequests(cursor: string | null, signal?: AbortSignal): Promise<FileRequestPage> {
  const params = new URLSearchParams({ limit: '50' })
  if (cursor) params.set('cursor', cursor)
  return apiJson<FileRequestPage>(`/api/requests?${params}`, { signal })
}

const requestPath = (id: string) => `/api/requests/${encodeURIComponent(id)}`

export const getRequest = (id: string, signal?: AbortSignal) => apiJson<FileRequest>(requestPath(id), { signal })

export function updateRequest(id: string, changes: UpdateFileRequestBody): Promise<FileRequest> {
  return apiJson<FileRequest>(requestPath(id), { method: 'PATCH', json: changes })
}

export async function deleteRequest(id: string): Promise<void> {
  await authorizedFetch(requestPath(id), { method: 'DELETE' })
}
