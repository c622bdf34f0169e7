/**
 * The server's JSON shapes this client reads and sends (contract: Accounts, Files, Sharing).
 * Kept in this one module until the workspace's @dropline/contract package is available here.
 */

export interface ErrorBody {
  error: { code: string; message: string };
}

export type Role = 'user' | 'admin';

export interface User {
  id: string;
  email: string;
  role: Role;
  displayName: string;
}

export interface Me extends User {
  usage?: { bytes: number; files: number; quotaBytes: number | null };
}

export interface LoginResponse {
  user: User;
  accessToken: string;
  refreshToken: string;
}

export interface RefreshResponse {
  accessToken: string;
  refreshToken: string;
}

export type FileStatus = 'uploaded' | 'processing' | 'processed' | 'failed';

export interface FileRecord {
  id: string;
  filename: string;
  size: number;
  mimeType: string;
  title: string | null;
  description: string | null;
  status: FileStatus;
  sha256: string | null;
  extracted: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  expiresAt: string | null;
  owner: { id: string; email: string; displayName: string };
  request: { id: string; title: string; uploader: string | null } | null;
}

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CreateShareRequest {
  fileIds: string[];
  expiresAt?: string;
  password?: string;
  maxDownloads?: number;
  note?: string;
}

export interface Share {
  id: string;
  url: string;
  fileIds: string[];
  files: { id: string; filename: string; size: number; mimeType: string }[];
  note: string | null;
  expiresAt: string | null;
  hasPassword: boolean;
  maxDownloads: number | null;
  downloads: number;
  createdAt: string;
}
