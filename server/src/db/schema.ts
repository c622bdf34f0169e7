import type { FileStatus, JobState, Role } from '@dropline/contract';
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Timestamps are ISO 8601 text (always `toISOString()`, so they sort as text) and JSON is text:
 * one representation that SQLite and PostgreSQL both store and return unchanged.
 */
export type Timestamp = string;

/** The columns hold the contract's values as they are. */
export type { FileStatus, JobState, Role } from '@dropline/contract';

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  /** What other people see (1..64 characters); the email stays private. */
  display_name: string;
  /** The email as stored before migration 004 changed it (normalisation or a collision); null otherwise. */
  original_email: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** 0 or 1 (portable): a disabled account can't sign in and its tokens are refused. */
  disabled: Generated<number>;
  /** null: DEFAULT_QUOTA_BYTES applies. */
  quota_bytes: number | null;
  /** Counters kept in step by triggers (007_admin): finished files, and unfinished uploads' reservations. */
  files_bytes: Generated<number>;
  file_count: Generated<number>;
  reserved_bytes: Generated<number>;
}

/** One login: the chain of refresh tokens that rotation produces shares one session. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

export interface FilesTable {
  id: string;
  owner_id: string;
  filename: string;
  storage_key: string;
  size: number;
  mime_type: string;
  detected_type: string | null;
  title: string | null;
  description: string | null;
  status: FileStatus;
  sha256: string | null;
  /** Unsigned CRC-32 of the bytes (for ZIP headers); null for files from before 008_crc32 until computed. */
  crc32: number | null;
  extracted: string | null;
  error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  processed_at: Timestamp | null;
  /** When the maintenance sweep deletes the file; null: kept until deleted by hand. */
  expires_at: Timestamp | null;
  /** The file request it came through, and the name its uploader gave. */
  request_id: string | null;
  uploader: string | null;
}

/** Files per owner per month, day and hour of `created_at` (014_search_scale): what deep pages count with. */
export interface FileSpansTable {
  owner_id: string;
  /** The span this one lies in ('' for a month). */
  parent: string;
  /** A prefix of `created_at`: 7, 10 or 13 characters. */
  span: string;
  file_count: number;
}

/** A tus upload (also a multipart one) as the server tracks it: who owns it and whether it was ingested. */
export interface UploadsTable {
  id: string;
  owner_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  ingested_at: Timestamp | null;
  concat: UploadConcat | null;
  /** JSON array of a final upload's partial ids. */
  parts: string | null;
  hash_state: string | null;
  hash_offset: number | null;
  /** The CRC-32 of the first `hash_offset` bytes, saved with `hash_state`. */
  crc32: number | null;
  sha256: string | null;
  /** null: tus. */
  protocol: 'ietf' | null;
  /** Bytes counted against the owner's quota while the upload is unfinished; handed to the file on ingest. */
  reserved_bytes: Generated<number>;
  /** Through a file request: which one, and the uploader's name; copied onto the file by ingest. */
  request_id: string | null;
  uploader: string | null;
  /** The expiry the file will get. */
  file_expires_at: Timestamp | null;
}

/** A link through which people without an account upload to `owner_id`. Deleted ones are only marked. */
export interface FileRequestsTable {
  id: string;
  owner_id: string;
  token: string;
  title: string;
  message: string | null;
  expires_at: Timestamp | null;
  max_files: number | null;
  max_bytes: number | null;
  password_hash: string | null;
  /** Files and bytes uploaded through it, kept by a trigger (010_requests). */
  files: Generated<number>;
  bytes: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

/** Who did what, when, from where. Never tokens or passwords. `details` is JSON text. */
export interface AuditLogTable {
  id: string;
  at: Timestamp;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: string | null;
}

/** An encrypted stored object's wrapped data key, and an unfinished upload's sealed tail (see migration 012). */
export interface EncryptionKeysTable {
  object_key: string;
  key_id: string;
  wrapped_key: string;
  tail_index: number | null;
  tail: string | null;
  created_at: Timestamp;
}

export type UploadConcat = 'partial' | 'final';

export interface JobsTable {
  id: string;
  file_id: string;
  type: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

/** A public link to files; `token` is its secret (the last segment of its URL). */
export interface SharesTable {
  id: string;
  owner_id: string;
  token: string;
  note: string | null;
  expires_at: Timestamp | null;
  /** Hashed like account passwords; null: no password. */
  password_hash: string | null;
  /** null: no limit. */
  max_downloads: number | null;
  /** Downloads started (a response from byte 0); raised only by the one conditional update that enforces the limit. */
  downloads: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ShareFilesTable {
  share_id: string;
  file_id: string;
  position: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  files: FilesTable;
  file_spans: FileSpansTable;
  uploads: UploadsTable;
  jobs: JobsTable;
  audit_log: AuditLogTable;
  shares: SharesTable;
  share_files: ShareFilesTable;
  file_requests: FileRequestsTable;
  encryption_keys: EncryptionKeysTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type FileRow = Selectable<FilesTable>;
export type NewFile = Insertable<FilesTable>;
export type FileUpdate = Updateable<FilesTable>;
export type UploadRow = Selectable<UploadsTable>;
export type JobRow = Selectable<JobsTable>;
export type NewJob = Insertable<JobsTable>;
export type SessionRow = Selectable<SessionsTable>;

export type AuditRow = Selectable<AuditLogTable>;
export type ShareRow = Selectable<SharesTable>;
export type FileRequestRow = Selectable<FileRequestsTable>;
