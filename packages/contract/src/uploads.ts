import { z } from 'zod';
import { defineRoute } from './route.js';

/**
 * tus 1.0.0 at `/api/uploads/` (and the IETF draft "Resumable Uploads for HTTP" on the same paths). @tus/server speaks the protocol (headers, not JSON), so these
 * declarations document it rather than validate it; the server mounts tus itself.
 */
const UploadParams = z.object({
  id: z.string().meta({ description: 'The upload id: the last segment of `Location`, and the file id once it completes.' }),
});
const binary = z.string().meta({ format: 'binary' });
const tusResumable = { 'Tus-Resumable': '`1.0.0`. A missing or other version gets 412 with `Tus-Version`.' };
const expires = { 'Upload-Expires': 'When an unfinished upload is deleted (`UPLOAD_EXPIRATION`).' };
const tags = ['Uploads (tus)'];
const uploadLimit = {
  'Upload-Limit': '`max-size=<MAX_UPLOAD_SIZE>[,max-append-size=<MAX_CHUNK_SIZE>]`: the largest upload and the largest request body.',
};
const uploadChecksum = {
  'Upload-Checksum':
    "checksum extension: `<algorithm> <base64 digest>` of this request's body (sha1, sha256 or md5). A mismatch is 460 and keeps none of it.",
};
/** The IETF draft, told apart from tus by its interop header; an upload continues only with the protocol it was created with. */
const ietfDraft =
  '\n\n**IETF draft.** Requests carrying `Upload-Draft-Interop-Version` 3, 5, 6 or 8 (any other value: 400 `unsupported_interop_version`) speak ' +
  'the draft "Resumable Uploads for HTTP" on these paths: `POST` with `Upload-Complete: ?0|?1` (`Upload-Incomplete` for 3), the name in ' +
  '`Content-Disposition`, optional `Upload-Length` and the bytes, answered by `104 Upload Resumption Supported` (`Location`, `Upload-Limit`, ' +
  'the interop version) before the body is read and then 201 (`Location`, `Upload-Offset`, `Upload-Complete`); `HEAD` → 204 (`Upload-Offset`, ' +
  '`Upload-Complete`, `Upload-Limit`, `Cache-Control: no-store`); `PATCH` with `Upload-Offset` and `Upload-Complete` (from interop 6 with ' +
  '`Content-Type: application/partial-upload`) → 204, or 409 with the right `Upload-Offset`; `DELETE` → 204. A length that does not match is ' +
  '400 `length_mismatch`. An upload continues only with the protocol it was created with (400 `protocol_mismatch`).';
const busy = { description: 'Another request is writing to this upload (`upload_busy`); retry.' };
const notYours = { description: "No such upload, or another user's." };
const preconditionFailed = { description: '`Tus-Resumable` is missing or names an unsupported version (`Tus-Version` lists ours).' };

export const tusRoutes = {
  options: defineRoute({
    method: 'options',
    path: '/api/uploads/',
    tags,
    summary: 'tus discovery',
    description:
      "Needs no token, so browsers' CORS preflights and tus clients' discovery work. The SHA-256 of every upload is computed as its bytes " +
      'arrive and survives resumes and restarts, so processing does not read the file again to hash it.' +
      ietfDraft,
    auth: 'none',
    responses: {
      204: {
        description: "The server's tus capabilities.",
        headers: {
          'Tus-Version': '`1.0.0`',
          'Tus-Max-Size': '`MAX_UPLOAD_SIZE` in bytes.',
          'Tus-Extension': '`creation,creation-with-upload,creation-defer-length,termination,expiration,checksum,concatenation`.',
          'Tus-Checksum-Algorithm': "The checksum extension's algorithms: `sha1,sha256,md5`.",
          ...uploadLimit,
        },
      },
    },
  }),
  create: defineRoute({
    method: 'post',
    path: '/api/uploads/',
    tags,
    summary: 'Create an upload (creation, creation-with-upload, creation-defer-length, concatenation)',
    description:
      'Give the size in `Upload-Length`, or `Upload-Defer-Length: 1` and the length on a later PATCH. The body may carry the first bytes ' +
      '(`Content-Type: application/offset+octet-stream`). An upload complete at creation becomes a file at once. Its declared length is ' +
      "reserved against the account's quota until it finishes or expires.\n\n" +
      '**Concatenation.** `Upload-Concat: partial` creates a partial upload: an ordinary upload (any metadata, `filename` not needed) that ' +
      'never becomes a file of its own. `Upload-Concat: final;<url> <url> ...` (absolute URLs or paths, no `Upload-Length`) creates the final ' +
      "upload from the caller's own finished partials, in order; its `Upload-Metadata` names the file (`filename` required). The answer (201) " +
      "comes once the bytes are joined; the final upload's id is the file's id, and the partials are deleted. Someone else's or an unknown " +
      'partial: 404; an unfinished partial (`partial_unfinished`), an upload that is not a partial (`not_partial`) or a malformed reference ' +
      '(`invalid_concat`): 400; a total over `MAX_UPLOAD_SIZE`: 413. Unclaimed partials are deleted after `UPLOAD_EXPIRATION`.\n\n' +
      '**File requests.** With `Authorization: Request <token>` (or `Request <token>:<accessToken>` for a request with a password) instead ' +
      "of a bearer token, the upload goes into the request owner's account (and quota) and its file carries `request`. The request's " +
      'limits are checked here, counting its unfinished uploads with their declared length: over `maxFiles` or `maxBytes` is 413 ' +
      '`request_full`, an expired request 410 `request_expired`. Such a caller can HEAD, PATCH and DELETE only the uploads it created.' +
      ietfDraft,
    headers: {
      ...tusResumable,
      'Upload-Length': 'The total size in bytes; required unless `Upload-Defer-Length: 1`.',
      'Upload-Defer-Length': '`1`: the size comes on a later PATCH.',
      'Upload-Metadata':
        'Comma-separated `key base64value` pairs: `filename` (required), `filetype`, `title`, `description`, `expires` (when the file is deleted: an ' +
        'ISO time in the future or a number of seconds from now; default `DEFAULT_FILE_TTL`), `uploader` (through a file request: the ' +
        "uploader's name, at most 100 characters). Other keys are kept and returned on HEAD.",
      Authorization: '`Bearer <accessToken>`, or for a file request `Request <token>` / `Request <token>:<accessToken>`.',
      'Upload-Concat': "`partial`, or `final;` followed by the partial uploads' URLs separated by spaces.",
      ...uploadChecksum,
    },
    body: binary,
    bodyContentType: 'application/offset+octet-stream',
    responses: {
      201: {
        description: 'Created; `Location` is the upload URL.',
        headers: {
          Location: 'The upload URL: from `PUBLIC_URL` when set, else relative.',
          ...expires,
          'Upload-Offset': 'With creation-with-upload: bytes stored.',
          ...uploadLimit,
          'Upload-Concat': '`partial` for a partial upload, `final;<paths>` for a concatenated one; absent otherwise.',
        },
      },
      400: {
        description:
          '`filename` missing (`missing_filename`), malformed `Upload-Metadata`, no valid length, a bad `Upload-Concat` (`invalid_concat`, ' +
          '`not_partial`, `partial_unfinished`), an unknown interop version (`unsupported_interop_version`), a bad `expires` or `uploader` (`invalid_metadata`).',
      },
      410: { description: 'Through a file request that has expired (`request_expired`).' },
      412: preconditionFailed,
      413: {
        description:
          "Larger than `MAX_UPLOAD_SIZE` (`file_too_large`), over the account's quota (`quota_exceeded`), a first body over `MAX_CHUNK_SIZE` " +
          "(`chunk_too_large`), or beyond a file request's `maxFiles` or `maxBytes` (`request_full`).",
      },
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
          ...uploadLimit,
          'Upload-Concat': 'For partial and final uploads.',
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
    description:
      'When the last byte arrives the upload becomes a file (`uploaded`), `file:created` is sent, and processing is queued. A body over ' +
      '`MAX_CHUNK_SIZE` (`max-append-size` in `Upload-Limit`) gets 413: at once when `Content-Length` says so, else when the limit is passed ' +
      '(bytes before it are kept). With `Upload-Checksum`, the body is held aside until it matches; a mismatch gets 460 and keeps none of it ' +
      '(the offset is unchanged). A final (concatenated) upload takes no PATCH.',
    params: UploadParams,
    headers: {
      ...tusResumable,
      'Upload-Offset': "Must equal the server's offset (else 409). Missing: 400.",
      'Upload-Length': 'Only for deferred-length uploads.',
      ...uploadChecksum,
    },
    body: binary,
    bodyContentType: 'application/offset+octet-stream',
    responses: {
      204: { description: 'Stored.', headers: { 'Upload-Offset': 'Bytes stored now.', ...expires } },
      400: {
        description:
          'No `Upload-Offset` (`missing_upload_offset`), a bad header, a malformed `Upload-Checksum` (`invalid_checksum`, or ' +
          '`unsupported_checksum_algorithm`), or an upload created with the other protocol (`protocol_mismatch`).',
      },
      404: notYours,
      409: { description: 'Wrong offset (`offset_mismatch`).' },
      410: { description: 'The upload expired (`upload_expired`).' },
      412: preconditionFailed,
      413: {
        description:
          'Beyond `MAX_UPLOAD_SIZE` or the declared length, over the quota (`quota_exceeded`), or a body over `MAX_CHUNK_SIZE` (`chunk_too_large`).',
      },
      415: { description: 'The body is not `application/offset+octet-stream` (`invalid_content_type`).' },
      423: busy,
      460: { description: 'The body does not match `Upload-Checksum` (`checksum_mismatch`); none of it was kept.' },
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
    responses: {
      200: { description: 'The bytes.', contentType: 'application/octet-stream' },
      404: { description: 'Unfinished, unknown or not yours.' },
    },
  }),
};
