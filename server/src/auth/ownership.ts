import type { AuthUser } from './tokens.js';

/**
 * The one rule for who may see or act on a file or an upload: its owner, or an admin. Callers
 * answer 404 otherwise, so nobody learns that someone else's id exists.
 */
export function mayAccess(user: AuthUser, ownerId: string): boolean {
  return user.id === ownerId || user.role === 'admin';
}

/**
 * Someone holding a file request's link. They upload into the request owner's account, but are
 * not that owner: they may touch the uploads made through that request and nothing else.
 */
export interface RequestUploader {
  requestId: string;
  ownerId: string;
}

/** Who may create and continue uploads: an account (a bearer token) or a file request's link. */
export type Uploader = { kind: 'account'; user: AuthUser } | { kind: 'request'; request: RequestUploader };

/** Whose account a new upload goes into (and whose quota it counts against). */
export const uploadOwnerOf = (uploader: Uploader): string => (uploader.kind === 'account' ? uploader.user.id : uploader.request.ownerId);

/** The file request a new upload comes through, if any. */
export const requestOf = (uploader: Uploader): string | null => (uploader.kind === 'request' ? uploader.request.requestId : null);

/**
 * Owner checks for an upload (HEAD, PATCH, DELETE): accounts as for files; a link only its
 * request's uploads, and only while unfinished: a finished one is the owner's file.
 */
export function mayAccessUpload(uploader: Uploader, upload: { owner_id: string; request_id: string | null; ingested_at: string | null }): boolean {
  if (uploader.kind === 'account') return mayAccess(uploader.user, upload.owner_id);
  return upload.request_id === uploader.request.requestId && upload.ingested_at === null;
}

/** Whether an upload is the uploader's very own (a partial a final upload may be made of): not merely one an admin may see. */
export function isOwnUpload(uploader: Uploader, upload: { owner_id: string; request_id: string | null }): boolean {
  return uploader.kind === 'account'
    ? upload.owner_id === uploader.user.id && upload.request_id === null
    : upload.request_id === uploader.request.requestId;
}
