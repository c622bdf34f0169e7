import { z } from 'zod';
import { defineRoute } from './route.js';

/**
 * tus 1.0.0 at `/api/uploads/`. @tus/server speaks the protocol (headers, not JSON), so these
 * declarations document it rather than validate it; the server mounts tus itself.
 */
const UploadParams = z.object({ id: z.string().meta({ description: 'The upload id: the last segment of `Location`, and the file id once it completes.' }) });
const binary = z.string().meta({ format: 'binary' });
const tusResumable = { 'Tus-Resumable': '`1.0.0`. A missing or other version gets 412 with `Tus-Version`.' };
const expires = { 'Upload-Expires': 'When an unfinished upload is deleted (`UPLOAD_EXPIRATION`).' };
const tags = ['Uploads (tus)'];
const notYours = { description: "No such upload, or another user's." };
const preconditionFailed = { description: '`Tus-Resumable` is missing or names an unsupported version (`Tus-Version` lists ours).' };

export const tusRoutes = {
  options: defineRoute({
    method: 'options',
    path: '/api/uploads/',
    tags,
    summary: 'tus discovery',
    description: "Needs no token, so browsers' CORS preflights and tus clients' discovery work.",
    auth: 'none',
    responses: {
      204: {
        description: "The server's tus capabilities.",
        headers: {
          'Tus-Version': '`1.0.0`',
          'Tus-Max-Size': '`MAX_UPLOAD_SIZE` in bytes.',
          'Tus-Extension': 'At least `creation,creation-with-upload,creation-defer-length,termination,expiration`.',
        },
      },
    },
  }),
  create: defineRoute({
    method: 'post',
    path: '/api/uploads/',
    tags,
    summary: 'Create an upload (creation, creation-with-upload, creation-defer-length)',
    description:
      'Give the size in `Upload-Length`, or `Upload-Defer-Length: 1` and the length on a later PATCH. The body may carry the first bytes ' +
      '(`Content-Type: application/offset+octet-stream`). An upload complete at creation becomes a file at once.',
    headers: {
      ...tusResumable,
      'Upload-Length': 'The total size in bytes; required unless `Upload-Defer-Length: 1`.',
      'Upload-Defer-Length': '`1`: the size comes on a later PATCH.',
      'Upload-Metadata':
        'Comma-separated `key base64value` pairs: `filename` (required), `filetype`, `title`, `description`. Other keys are kept and returned on HEAD.',
    },
    body: binary,
    bodyContentType: 'application/offset+octet-stream',
    responses: {
      201: {
        description: 'Created; `Location` is the upload URL.',
        headers: { Location: 'The upload URL: from `PUBLIC_URL` when set, else relative.', ...expires, 'Upload-Offset': 'With creation-with-upload: bytes stored.' },
      },
      400: { description: '`filename` missing (`missing_filename`), malformed `Upload-Metadata`, or no valid length.' },
      412: preconditionFailed,
      413: { description: 'Larger than `MAX_UPLOAD_SIZE` (`file_too_large`).' },
      415: { description: 'A type outside `ALLOWED_FILE_TYPES` (`unsupported_file_type`).' },
    },
  }),
  head: defineRoute({
    method: 'head',
    path: '/api/uploads/{id}',
    tags,
    summary: "An upload's offset (resume point)",
    description: '`Upload-Metadata` is exactly what the client sent at creation. Error answers to HEAD have no body.',
    params: UploadParams,
    headers: tusResumable,
    responses: {
      200: {
        description: "The upload's state.",
        headers: {
          'Upload-Offset': 'Bytes stored.',
          'Upload-Length': 'The total, unless deferred.',
          'Upload-Defer-Length': '`1` while the length is deferred.',
          'Upload-Metadata': "The client's metadata, unchanged.",
          ...expires,
          'Cache-Control': '`no-store`',
        },
      },
      404: notYours,
      410: { description: 'The upload expired and was deleted.' },
      412: preconditionFailed,
    },
  }),
  append: defineRoute({
    method: 'patch',
    path: '/api/uploads/{id}',
    tags,
    summary: 'Append bytes at an offset',
    description: 'When the last byte arrives the upload becomes a file (`uploaded`), `file:created` is sent, and processing is queued.',
    params: UploadParams,
    headers: { ...tusResumable, 'Upload-Offset': "Must equal the server's offset (else 409).", 'Upload-Length': 'Only for deferred-length uploads.' },
    body: binary,
    bodyContentType: 'application/offset+octet-stream',
    responses: {
      204: { description: 'Stored.', headers: { 'Upload-Offset': 'Bytes stored now.', ...expires } },
      400: { description: 'No `Upload-Offset` (`missing_upload_offset`) or a bad header.' },
      404: notYours,
      409: { description: 'Wrong offset (`offset_mismatch`), or another request is writing (`upload_busy`).' },
      410: { description: 'The upload expired (`upload_expired`).' },
      412: preconditionFailed,
      413: { description: 'Beyond `MAX_UPLOAD_SIZE` or the declared length.' },
      415: { description: 'The body is not `application/offset+octet-stream` (`invalid_content_type`).' },
    },
  }),
  terminate: defineRoute({
    method: 'delete',
    path: '/api/uploads/{id}',
    tags,
    summary: 'Terminate an upload, or delete the file it became',
    description: 'A finished upload is deleted exactly as `DELETE /api/files/{id}` does (row, bytes, derived files; `file:deleted`).',
    params: UploadParams,
    headers: tusResumable,
    responses: { 204: { description: 'Terminated or deleted.' }, 404: notYours, 410: { description: 'Expired.' }, 412: preconditionFailed },
  }),
  download: defineRoute({
    method: 'get',
    path: '/api/uploads/{id}',
    tags,
    summary: "A finished upload's bytes",
    description: 'For ranges and a `Content-Disposition` filename, `GET /api/files/{id}/content` is the same.',
    params: UploadParams,
    responses: { 200: { description: 'The bytes.', contentType: 'application/octet-stream' }, 404: { description: 'Unfinished, unknown or not yours.' } },
  }),
};
