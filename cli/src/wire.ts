/**
 * The sharing shapes this client sends and reads. Every other wire type comes from @dropline/contract;
 * these stay here until the shares routes are declared there.
 */

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
