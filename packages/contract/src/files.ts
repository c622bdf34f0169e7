import { z } from 'zod';
import { cursorPage, FutureExpiry, Id, IdParams, IsoDateTime, rejectedAs } from './common.js';
import { Description, Filename, Title } from './fileFields.js';
import { defineRoute } from './route.js';

export const FILE_STATUSES = ['uploaded', 'processing', 'processed', 'failed'] as const;
export const FileStatus = z.enum(FILE_STATUSES).meta({
  id: 'FileStatus',
  description: '`uploaded` (waiting to be processed) -> `processing` -> `processed` or `failed` (see `error`).',
});
export type FileStatus = z.infer<typeof FileStatus>;

/** Where a file that came through a file request came from: the request and the name its uploader gave. */
export const FileRequestOrigin = z
  .object({
    id: Id,
    title: z.string(),
    uploader: z.string().nullable().meta({ description: 'The name the uploader gave (tus metadata `uploader`); null when none.' }),
  })
  .meta({ id: 'FileRequestOrigin' });
export type FileRequestOrigin = z.infer<typeof FileRequestOrigin>;

/** The contract's File: every route and event about a file carries this shape. */
export const File = z
  .object({
    id: Id,
    filename: z.string(),
    size: z.number().int().min(0).meta({ description: 'Bytes.' }),
    mimeType: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    status: FileStatus,
    sha256: z.string().nullable().meta({ description: 'Hex SHA-256 of the stored bytes; null until processed.' }),
    extracted: z.record(z.string(), z.unknown()).nullable().meta({ description: 'What processing found, by file kind; null until processed.' }),
    error: z.string().nullable().meta({ description: 'Why processing failed.' }),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    processedAt: IsoDateTime.nullable(),
    expiresAt: IsoDateTime.nullable().meta({
      description: 'When the file is deleted (bytes, derived files and all); null: kept until deleted by hand.',
    }),
    owner: z.object({ id: Id, email: z.string(), displayName: z.string() }),
    request: FileRequestOrigin.nullable().meta({ description: "The file request it was uploaded through; null for the owner's own uploads." }),
  })
  .meta({ id: 'File' });
export type File = z.infer<typeof File>;

export const FileCursorPage = cursorPage(File).meta({ id: 'FileCursorPage' });
export type FileCursorPage = z.infer<typeof FileCursorPage>;

export const FileNumberedPage = z
  .object({
    items: z.array(File),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int().meta({ description: 'A lower bound when totalExact is false.' }),
    totalExact: z.boolean().meta({ description: 'false when a filtered count stopped at its cap: total is then a lower bound.' }),
  })
  .meta({ id: 'FileNumberedPage' });
export type FileNumberedPage = z.infer<typeof FileNumberedPage>;

// ---------------------------------------------------------------- listing

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE = 1_000_000;
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** `image/` or `image/*`: the prefix is group 1. */
export const MIME_PREFIX = /^([a-z0-9][a-z0-9!#$&^_.+-]*\/)\*?$/;
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * An ISO 8601 date or date-time (UTC unless it names an offset), as the instants it bounds: `to`
 * includes the moment it names, or the whole day for a bare date, so `from=2024-01-01&to=2024-01-31`
 * covers all of January. Null when the text is no such date (2024-02-30 included).
 */
export function isoDateBounds(text: string): { start: string; endExclusive: string } | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const hasZone = match[5] !== undefined;
  const ms = Date.parse(match[2] !== undefined && !hasZone ? `${text}Z` : text);
  const date = new Date(ms);
  // Date.parse rolls 2024-02-30 over to March; a date that doesn't come back as written is refused.
  const sameDay = Number.isFinite(ms) && (hasZone || date.toISOString().startsWith(match[1]!));
  if (!sameDay || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) return null;
  const end = match[2] === undefined ? ms + 86_400_000 : ms + 1;
  return { start: date.toISOString(), endExclusive: new Date(end).toISOString() };
}

/** A query parameter given once; a repeated one arrives as a list and is refused by name. */
const once = (name: string) => z.string({ error: `Give ${name} at most once.` });

function wholeNumber(name: string, min: number, max: number, fallback: number) {
  const error = `${name} must be a whole number from ${min} to ${max}.`;
  return once(name)
    .regex(/^\d+$/, { error })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error })
    .optional()
    .meta({ type: 'integer', minimum: min, maximum: max, default: fallback });
}

function isoDate(name: string, description: string) {
  return once(name)
    .refine((text) => isoDateBounds(text) !== null, {
      error: `${name} must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T12:00:00Z.`,
    })
    .optional()
    .meta({ description, example: '2024-01-31' });
}

/** `GET /api/files`: filters for both pagination forms; any malformed parameter is a 400 `invalid_query` naming it. */
export const FileListQuery = z
  .object({
    limit: wholeNumber('limit', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE).meta({ description: 'Cursor form: page size.' }),
    cursor: once('cursor')
      .min(1, { error: 'The cursor is not valid; use the nextCursor of a previous page.' })
      .optional()
      .meta({ description: 'Cursor form: the `nextCursor` of the previous page (opaque). Omit for the first page.' }),
    page: wholeNumber('page', 1, MAX_PAGE, 1).meta({ description: 'Page form: 1-based page number.' }),
    pageSize: wholeNumber('pageSize', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE).meta({ description: 'Page form: items per page.' }),
    q: once('q')
      .trim()
      .max(200, { error: 'q must be at most 200 characters long.' })
      // No stored name or title holds control characters (they are cleaned on the way in), and PostgreSQL refuses NUL.
      .refine((q) => !/[\u0000-\u001f\u007f]/.test(q), { error: 'q may not contain control characters.' })
      .optional()
      .meta({ description: 'Case-insensitive substring of the filename or the title.', example: 'ubuntu' }),
    type: once('type')
      .trim()
      .toLowerCase()
      .refine((t) => MIME_PREFIX.test(t) || MIME_TYPE.test(t), { error: 'type must be a MIME type (image/png) or a prefix (image/).' })
      .optional()
      .meta({ description: 'An exact MIME type (`image/png`) or a prefix (`image/`, `image/*`).', example: 'image/' }),
    status: z.enum(FILE_STATUSES, { error: `status must be one of ${FILE_STATUSES.join(', ')}.` }).optional(),
    from: isoDate('from', 'Created at or after this time (a bare date: from its start).'),
    to: isoDate('to', 'Created at or before this time (a bare date: to its end).'),
    owner: z
      .enum(['me', 'all'], { error: 'owner must be "me" or "all".' })
      .optional()
      .meta({ description: "`all`: everyone's files (admins only; others always get their own).", default: 'me' }),
  })
  .superRefine((query, ctx) => {
    const paged = query.page !== undefined || query.pageSize !== undefined;
    if (paged && (query.cursor !== undefined || query.limit !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'Use either limit and cursor, or page and pageSize, not both.' });
    }
  })
  .meta(rejectedAs('invalid_query'));
export type FileListQuery = z.output<typeof FileListQuery>;

// ---------------------------------------------------------------- changes

const EDITABLE = ['title', 'description', 'filename', 'expiresAt'] as const;

/** `PATCH /api/files/:id`: at least one of the editable fields; any other field is refused by name. */
export const FileUpdate = z
  .looseObject({ title: Title.optional(), description: Description.optional(), filename: Filename.optional(), expiresAt: FutureExpiry.optional() })
  .superRefine((body, ctx) => {
    const unknown = Object.keys(body).filter((k) => !(EDITABLE as readonly string[]).includes(k));
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `These fields cannot be changed: ${unknown.join(', ')}.` });
    else if (Object.keys(body).length === 0)
      ctx.addIssue({ code: 'custom', message: 'Nothing to change: give title, description, filename or expiresAt.' });
  })
  .meta({ id: 'FileUpdate' });
export type FileUpdate = Pick<z.output<typeof FileUpdate>, (typeof EDITABLE)[number]>;

export const DownloadLink = z
  .object({ url: z.string().meta({ example: '/api/downloads/eyJhbGciOiJIUzI1NiJ9.e30.abc' }), expiresAt: IsoDateTime })
  .meta({ id: 'DownloadLink' });

export const PlainUploadForm = z
  .object({
    file: z.string().meta({ format: 'binary', description: "The file; its part's filename and type name it." }),
    title: Title.optional(),
    description: Description.optional(),
  })
  .meta({ id: 'PlainUploadForm' });

// ---------------------------------------------------------------- routes

const bytes = (description: string) => ({ description, contentType: 'application/octet-stream' });
const downloadHeaders = {
  'Content-Disposition': 'attachment, with an ASCII fallback name and the exact name RFC 5987-encoded.',
  'Accept-Ranges': 'bytes',
  ETag: 'A strong validator of the stored bytes.',
  'Last-Modified': 'When the file was stored.',
};
const rangeHeaders = {
  Range: 'One byte range (`bytes=start-end`) gives 206; several ranges get the whole file.',
  'If-Range': 'Resume only if the file is unchanged.',
  'If-None-Match': 'Conditional GET (304).',
  'If-Modified-Since': 'Conditional GET (304).',
};
const notYours = { description: "No such file, or someone else's (never 403)." };

export const fileRoutes = {
  list: defineRoute({
    method: 'get',
    path: '/api/files',
    tags: ['Files'],
    summary: 'List files',
    description:
      "The caller's files, newest first (admins: everyone's with `owner=all`). Two pagination forms, which cannot be mixed (400): " +
      '`limit` and `cursor` (the default; `nextCursor` is null on the last page) answer `FileCursorPage`; ' +
      '`page` and `pageSize` (either one selects this form) answer `FileNumberedPage`.',
    query: FileListQuery,
    responses: {
      200: { description: 'One page.', body: z.union([FileCursorPage, FileNumberedPage]) },
      400: { description: 'A malformed parameter (`invalid_query`), named in the message.' },
    },
  }),
  upload: defineRoute({
    method: 'post',
    path: '/api/files',
    tags: ['Files', 'Uploads'],
    summary: 'Plain upload (curl, HTML forms)',
    description: 'The body is streamed to storage, never held in memory; the size limit holds while it arrives.',
    body: PlainUploadForm,
    bodyContentType: 'multipart/form-data',
    responses: {
      201: { description: 'The new file (status `uploaded`).', body: File },
      400: {
        description: 'No `file` part (`missing_file`), no filename (`missing_filename`), a bad form (`invalid_multipart`), or the body ended early.',
      },
      413: { description: 'Larger than `MAX_UPLOAD_SIZE` (`file_too_large`).' },
      415: { description: 'Not multipart/form-data (`expected_multipart`), or a type outside `ALLOWED_FILE_TYPES` (`unsupported_file_type`).' },
    },
  }),
  get: defineRoute({
    method: 'get',
    path: '/api/files/{id}',
    tags: ['Files'],
    summary: 'One file',
    params: IdParams,
    responses: { 200: { description: 'The file.', body: File }, 404: notYours },
  }),
  update: defineRoute({
    method: 'patch',
    path: '/api/files/{id}',
    tags: ['Files'],
    summary: "Change a file's title, description, filename or expiry",
    description:
      '`expiresAt`: an ISO time in the future (the file is deleted completely within a minute of it, and `file:deleted` is sent), or null to keep it forever.',
    params: IdParams,
    body: FileUpdate,
    responses: {
      200: { description: 'The changed file (also sent as `file:updated`).', body: File },
      400: {
        description:
          'An unknown or empty change (`invalid_request`), a blank filename (`missing_filename`), a title or description too long (`invalid_title`, `invalid_description`), ' +
          'an `expiresAt` that is not a future ISO time (`invalid_expires_at`).',
      },
      404: notYours,
    },
  }),
  delete: defineRoute({
    method: 'delete',
    path: '/api/files/{id}',
    tags: ['Files'],
    summary: 'Delete a file: row, bytes and derived files',
    params: IdParams,
    responses: { 204: { description: 'Gone (`file:deleted` is sent).' }, 404: notYours },
  }),
  content: defineRoute({
    method: 'get',
    path: '/api/files/{id}/content',
    tags: ['Files'],
    summary: "Download a file's bytes",
    description:
      "`Content-Type` is the file's `mimeType` with `X-Content-Type-Options: nosniff`. `ETag`/`Last-Modified` with `If-Range`, `If-None-Match` and `If-Modified-Since` are honoured; HEAD gives the headers alone.",
    params: IdParams,
    headers: rangeHeaders,
    responses: {
      200: { ...bytes('The whole file.'), headers: downloadHeaders },
      206: { ...bytes('The requested byte range.'), headers: { ...downloadHeaders, 'Content-Range': 'The range sent.' } },
      304: { description: 'Not modified (a conditional request matched).' },
      404: notYours,
      410: { description: 'The file exists but its bytes are no longer stored (`content_gone`).' },
      412: { description: 'A precondition header did not match (`precondition_failed`).' },
      416: { description: 'The range is outside the file (`range_not_satisfiable`).' },
    },
  }),
  thumbnail: defineRoute({
    method: 'get',
    path: '/api/files/{id}/thumbnail',
    tags: ['Files'],
    summary: "A file's thumbnail",
    description: 'A small WebP preview, written by processing for images it can decode (`extracted.thumbnail: true`).',
    params: IdParams,
    responses: { 200: { description: 'The thumbnail.', contentType: 'image/webp' }, 404: { description: 'No thumbnail, or not your file.' } },
  }),
  downloadLink: defineRoute({
    method: 'post',
    path: '/api/files/{id}/download-link',
    tags: ['Files'],
    summary: "A short-lived signed link to the file's bytes",
    description:
      'For browsers, which cannot send a bearer header from a plain link. Works without a token for 5 minutes, with `Range`, until the file or its user is gone.',
    params: IdParams,
    responses: { 200: { description: 'The link.', body: DownloadLink }, 404: notYours },
  }),
  download: defineRoute({
    method: 'get',
    path: '/api/downloads/{token}',
    tags: ['Files'],
    summary: 'Download through a signed link',
    auth: 'none',
    params: z.object({ token: z.string() }),
    headers: rangeHeaders,
    responses: {
      200: { ...bytes('The bytes, as `GET /api/files/{id}/content` sends them.'), headers: downloadHeaders },
      206: bytes('The requested byte range.'),
      401: { description: 'The link is tampered with or expired (`invalid_download_link`).' },
      404: { description: 'The file is gone.' },
    },
  }),
  reprocess: defineRoute({
    method: 'post',
    path: '/api/files/{id}/reprocess',
    tags: ['Files', 'Processing'],
    summary: 'Queue a file for processing again',
    description: 'Answers at once; progress arrives as `file:updated` events.',
    params: IdParams,
    responses: { 202: { description: 'Queued.' }, 404: notYours },
  }),
};
