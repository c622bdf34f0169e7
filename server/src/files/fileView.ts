import type { File } from '@dropline/contract';
import type { FileRecord } from './files.repository.js';

/** The contract's File. `extracted` is stored as JSON text; anything but an object reads as null. */
export function toFileView(file: FileRecord): File {
  return {
    id: file.id,
    filename: file.filename,
    size: Number(file.size),
    mimeType: file.mime_type,
    title: file.title,
    description: file.description,
    status: file.status,
    sha256: file.sha256,
    extracted: parseObject(file.extracted),
    error: file.error,
    createdAt: file.created_at,
    updatedAt: file.updated_at,
    processedAt: file.processed_at,
    expiresAt: file.expires_at,
    owner: { id: file.owner_id, email: file.owner_email, displayName: file.owner_display_name },
    request: file.request_id === null ? null : { id: file.request_id, title: file.request_title ?? '', uploader: file.uploader },
  };
}

function parseObject(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
