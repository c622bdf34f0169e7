export type Role = 'user' | 'admin'

export interface User {
  id: string
  email: string
  role: Role
  /** What other people see; the email stays private to the user (and admins). */
  displayName: string
}

export type FileStatus = 'uploaded' | 'processing' | 'processed' | 'failed'

export interface FileItem {
  id: string
  filename: string
  size: number
  mimeType: string
  title: string | null
  description: string | null
  status: FileStatus
  sha256: string | null
  extracted: Record<string, unknown> | null
  error: string | null
  createdAt: string
  updatedAt: string
  processedAt: string | null
  owner: { id: string; email: string; displayName: string }
}

/** The `file:created` broadcast: enough to announce an upload, not a whole File, and never an email. */
export interface FileCreatedEvent {
  id: string
  filename: string
  size: number
  mimeType: string
  owner: { id: string; displayName: string }
  createdAt: string
}

export interface FilePage {
  items: FileItem[]
  nextCursor: string | null
}

export interface UploadConfig {
  maxUploadSize: number | null
  allowedFileTypes: string[] | null
  /** Seconds an unfinished upload is kept by the server. */
  uploadExpiration: number
  /** The most one upload request may carry (Upload-Limit max-append-size); null: no limit. */
  maxAppendSize: number | null
}

export interface AuthResponse {
  user: User
  accessToken: string
  refreshToken: string
}

/** Finished files, what unfinished uploads reserve, and the quota both count against (null: none). */
export interface Usage {
  bytes: number
  files: number
  reservedBytes: number
  quotaBytes: number | null
}

export interface Me extends User {
  usage: Usage
}

export interface AdminUser {
  id: string
  email: string
  displayName: string
  role: Role
  disabled: boolean
  createdAt: string
  usage: Usage
}

export interface AuditEntry {
  id: string
  at: string
  actor: { id: string; email: string } | null
  action: string
  targetType: string | null
  targetId: string | null
  ip: string | null
  requestId: string | null
  details: Record<string, unknown> | null
}

export type JobState = 'queued' | 'processing' | 'completed' | 'failed'

export interface Job {
  id: string
  fileId: string
  type: string
  state: JobState
  attempts: number
  maxAttempts: number
  lastError: string | null
  createdAt: string
  updatedAt: string
  finishedAt: string | null
}

export interface CursorPage<T> {
  items: T[]
  nextCursor: string | null
}
