import { apiJson, authorizedFetch } from './client'
import type { AdminUser, AuditEntry, CursorPage, Job, JobState, Me, Role } from '@dropline/contract'

export const getMe = (signal?: AbortSignal) => apiJson<Me>('/api/auth/me', { signal })

export function listUsers(q: string, cursor: string | null, signal?: AbortSignal): Promise<CursorPage<AdminUser>> {
  const params = new URLSearchParams({ limit: '50' })
  if (q) params.set('q', q)
  if (cursor) params.set('cursor', cursor)
  return apiJson(`/api/admin/users?${params}`, { signal })
}

export interface UserChanges {
  role?: Role
  disabled?: boolean
  quotaBytes?: number | null
}

const userPath = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`

export const updateUser = (id: string, changes: UserChanges) => apiJson<AdminUser>(userPath(id), { method: 'PATCH', json: changes })

export async function deleteUser(id: string): Promise<void> {
  await authorizedFetch(userPath(id), { method: 'DELETE' })
}

export interface AuditFilter {
  actor: string
  action: string
  from: string
  to: string
}

export function listAudit(filter: AuditFilter, cursor: string | null, signal?: AbortSignal): Promise<CursorPage<AuditEntry>> {
  const params = new URLSearchParams({ limit: '50' })
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value)
  if (cursor) params.set('cursor', cursor)
  return apiJson(`/api/admin/audit?${params}`, { signal })
}

export const jobStats = (signal?: AbortSignal) => apiJson<Record<JobState, number>>('/api/jobs/stats', { signal })

export function listJobs(state: JobState, signal?: AbortSignal): Promise<CursorPage<Job>> {
  return apiJson(`/api/jobs?status=${state}&limit=50`, { signal })
}

const jobPath = (id: string) => `/api/jobs/${encodeURIComponent(id)}`

export const retryJob = (id: string) => apiJson<Job>(`${jobPath(id)}/retry`, { method: 'POST' })

export async function deleteJob(id: string): Promise<void> {
  await authorizedFetch(jobPath(id), { method: 'DELETE' })
}
