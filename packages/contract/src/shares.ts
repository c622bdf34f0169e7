import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from './auth.js';
import { cursorPage, FutureExpiry, Id, IdParams, IsoDateTime, rejectedAs } from './common.js';
import { Note } from './fileFields.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './files.js';
import { defineRoute } from './route.js';

export const MAX_SHARE_FILES = 100;
export const MIN_SHARE_PASSWORD_LENGTH = 4;

/** A file as a share lists it to its owner. */
export const ShareFile = z.object({ id: Id, filename: z.string(), size: z.number().int().min(0), mimeType: z.string() }).meta({ id: 'ShareFile' });
export type ShareFile = z.infer<typeof ShareFile>;

/** The contract's Share, as its owner sees it. */
export const Share = z
  .object({
    id: Id,
    url: z
      .string()
      .meta({ description: "The share's public web page, `<origin>/s/<token>`.", example: 'https://drop.example.com/s/2mQeTQ3bW3x5xv0M1tWq9A' }),
    fileIds: z.array(Id),
    files: z.array(ShareFile).meta({ description: 'The shared files that still exist (a deleted file leaves the share).' }),
    note: z.string().nullable(),
    expiresAt: IsoDateTime.nullable().meta({ description: 'After this the link answers 410; null: never.' }),
    hasPassword: z.boolean(),
    maxDownloads: z.number().int().min(1).nullable().meta({ description: 'Downloads allowed in all; null: no limit.' }),
    downloads: z.number().int().min(0).meta({ description: 'Downloads started so far (a resumed download counts once).' }),
    createdAt: IsoDateTime,
  })
  .meta({ id: 'Share' });
export type Share = z.infer<typeof Share>;

export const SharePage = cursorPage(Share).meta({ id: 'SharePage' });
export type SharePage = z.infer<typeof SharePage>;

// ---------------------------------------------------------------- bodies

const shortPassword = `A share password must be at least ${MIN_SHARE_PASSWORD_LENGTH} characters long.`;
/** null removes the password (on PATCH). */
export const SharePassword = z
  .string({ error: shortPassword })
  .min(MIN_SHARE_PASSWORD_LENGTH, { error: shortPassword })
  .max(MAX_PASSWORD_LENGTH, { error: `A share password must be at most ${MAX_PASSWORD_LENGTH} characters long.` })
  .nullable()
  .meta(rejectedAs('invalid_password'));

const limitError = 'maxDownloads must be a whole number of at least 1, or null for no limit.';
const MaxDownloads = z
  .number({ error: limitError })
  .int({ error: limitError })
  .min(1, { error: limitError })
  .max(Number.MAX_SAFE_INTEGER, { error: limitError })
  .nullable()
  .meta(rejectedAs('invalid_max_downloads'));

const fileIdsError = `fileIds must list 1 to ${MAX_SHARE_FILES} file ids.`;

export const ShareCreate = z
  .strictObject({
    fileIds: z
      .array(z.string({ error: fileIdsError }), { error: fileIdsError })
      .min(1, { error: fileIdsError })
      .max(MAX_SHARE_FILES, { error: fileIdsError })
      .meta({ ...rejectedAs('invalid_file_ids'), description: 'The files to share, yours; a repeated id counts once.' }),
    expiresAt: FutureExpiry.optional(),
    password: SharePassword.optional(),
    maxDownloads: MaxDownloads.optional(),
    note: Note.optional(),
  })
  .meta({ id: 'ShareCreate' });
export type ShareCreate = z.output<typeof ShareCreate>;

/** `PATCH /api/shares/:id`: any of the settings; null clears one (`password: null` removes the password). */
export const ShareUpdate = z
  .strictObject({
    expiresAt: FutureExpiry.optional(),
    password: SharePassword.optional(),
    maxDownloads: MaxDownloads.optional(),
    note: Note.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'Nothing to change: give expiresAt, password, maxDownloads or note.' })
  .meta({ id: 'ShareUpdate' });
export type ShareUpdate = z.output<typeof ShareUpdate>;

const pageLimitError = `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`;
export const ShareListQuery = z
  .object({
    limit: z
      .string({ error: pageLimitError })
      .regex(/^\d+$/, { error: pageLimitError })
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_PAGE_SIZE, { error: pageLimitError })
      .optional()
      .meta({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
    cursor: z
      .string({ error: 'The cursor is not valid; use the nextCursor of a previous page.' })
      .min(1, { error: 'The cursor is not valid; use the nextCursor of a previous page.' })
      .optional()
      .meta({ description: 'The `nextCursor` of the previous page (opaque).' }),
  })
  .meta(rejectedAs('invalid_query'));
export type ShareListQuery = z.output<typeof ShareListQuery>;

// ---------------------------------------------------------------- public side

/** A file as a share's visitors see it. */
export const PublicShareFile = ShareFile.extend({ sha256: z.string().nullable().meta({ description: 'Hex SHA-256; null until processed.' }) }).meta({
  id: 'PublicShareFile',
});
export type PublicShareFile = z.infer<typeof PublicShareFile>;

export const PublicShare = z
  .object({
    files: z.array(PublicShareFile).meta({ description: '`[]` while the share has a password and the request carries no access token for it.' }),
    note: z.string().nullable(),
    expiresAt: IsoDateTime.nullable(),
    owner: z.object({ displayName: z.string() }),
    requiresPassword: z.boolean(),
  })
  .meta({ id: 'PublicShare' });
export type PublicShare = z.infer<typeof PublicShare>;

/** `POST .../unlock`: also the shape file requests unlock with. */
export const UnlockBody = z
  .object({ password: z.string({ error: 'Give the password.' }).max(MAX_PASSWORD_LENGTH, { error: 'Give the password.' }) })
  .meta({ id: 'UnlockRequest' });
export type UnlockBody = z.infer<typeof UnlockBody>;

export const UnlockResponse = z
  .object({
    accessToken: z.string().meta({ description: 'Good for this one link only; send it as `Authorization: Bearer` or `?access=`.' }),
    expiresAt: IsoDateTime,
  })
  .meta({ id: 'UnlockResponse' });
export type UnlockResponse = z.infer<typeof UnlockResponse>;

export const ShareTokenParams = z.object({ token: z.string() });
export const ShareFileParams = z.object({ token: z.string(), fileId: Id });

const access = z.string().optional().meta({ description: 'The access token from unlock, for links (instead of the Authorization header).' });
export const PublicShareQuery = z.object({ access });
export const PublicShareFileQuery = z.object({
  access,
  inline: z
    .enum(['0', '1'], { error: 'inline must be 1 or 0.' })
    .optional()
    .meta({ description: '`1`: for previews of images, audio, video, PDF and text, served sandboxed; other types stay attachments.' }),
});

// ---------------------------------------------------------------- routes

const notYours = { description: "No such share, or someone else's (never 403)." };
const gone = { description: 'Unknown or revoked (`not_found`).' };
const publicFailures = {
  401: {
    description:
      'The share has a password and the request carries no valid access token for it (`password_required`, `invalid_token`, `token_expired`).',
  },
  404: gone,
  410: { description: 'Expired (`share_expired`) or every download used (`download_limit_reached`).' },
} as const;
const bytes = (description: string) => ({ description, contentType: 'application/octet-stream' });
const rangeHeaders = {
  Range: 'One byte range (`bytes=start-end`) gives 206 and does not count as a new download.',
  'If-Range': 'Resume only if the bytes are unchanged.',
};
const downloadHeaders = {
  'Content-Disposition': 'attachment (or inline for `?inline=1` previews), with an ASCII fallback name and the exact name RFC 5987-encoded.',
  'Accept-Ranges': 'bytes',
  'Content-Length': 'Known before the first byte.',
};

export const shareRoutes = {
  create: defineRoute({
    method: 'post',
    path: '/api/shares',
    tags: ['Sharing'],
    summary: 'Share files through a public link',
    body: ShareCreate,
    responses: {
      201: { description: 'The share, with its `url`.', body: Share },
      400: {
        description:
          'No files or more than 100 (`invalid_file_ids`), `expiresAt` not in the future (`invalid_expires_at`), a password under 4 characters (`invalid_password`), ' +
          'a bad `maxDownloads` (`invalid_max_downloads`) or note (`invalid_note`).',
      },
      404: { description: "A file that does not exist or is someone else's." },
    },
  }),
  list: defineRoute({
    method: 'get',
    path: '/api/shares',
    tags: ['Sharing'],
    summary: "The caller's shares",
    description: 'Newest first; `nextCursor` is null on the last page.',
    query: ShareListQuery,
    responses: { 200: { description: 'One page.', body: SharePage }, 400: { description: 'A bad `limit` or `cursor` (`invalid_query`).' } },
  }),
  get: defineRoute({
    method: 'get',
    path: '/api/shares/{id}',
    tags: ['Sharing'],
    summary: 'One share',
    params: IdParams,
    responses: { 200: { description: 'The share.', body: Share }, 404: notYours },
  }),
  update: defineRoute({
    method: 'patch',
    path: '/api/shares/{id}',
    tags: ['Sharing'],
    summary: "Change a share's expiry, password, download limit or note",
    params: IdParams,
    body: ShareUpdate,
    responses: {
      200: { description: 'The changed share.', body: Share },
      400: { description: 'As for creating one; or nothing to change (`invalid_request`).' },
      404: notYours,
    },
  }),
  delete: defineRoute({
    method: 'delete',
    path: '/api/shares/{id}',
    tags: ['Sharing'],
    summary: 'Revoke a share',
    params: IdParams,
    responses: { 204: { description: 'Revoked: its link answers 404 from now on.' }, 404: notYours },
  }),
  publicGet: defineRoute({
    method: 'get',
    path: '/api/public/shares/{token}',
    tags: ['Sharing'],
    summary: 'A shared link, as its visitors see it',
    auth: 'none',
    params: ShareTokenParams,
    query: PublicShareQuery,
    responses: {
      200: { description: 'The share; `files` is `[]` until unlocked when it has a password.', body: PublicShare },
      404: gone,
      410: publicFailures[410],
    },
  }),
  unlock: defineRoute({
    method: 'post',
    path: '/api/public/shares/{token}/unlock',
    tags: ['Sharing'],
    summary: "Unlock a share's password",
    auth: 'none',
    params: ShareTokenParams,
    body: UnlockBody,
    responses: {
      200: { description: 'An access token for this share only.', body: UnlockResponse },
      400: { description: 'No password given, or the share has none (`no_password`).' },
      401: { description: 'Wrong password (`wrong_password`).' },
      404: gone,
      410: publicFailures[410],
      429: { description: 'More than 10 wrong passwords in a minute for this share (`too_many_requests`); `Retry-After` says when to try again.' },
    },
  }),
  publicFile: defineRoute({
    method: 'get',
    path: '/api/public/shares/{token}/files/{fileId}',
    tags: ['Sharing'],
    summary: 'Download (or preview) one shared file',
    description:
      'A response that starts at byte 0 counts as a download; a `Range` continuation does not, nor does a preview (`?inline=1` for a type served inline). ' +
      'With `?inline=1`, images, audio, video, PDF and plain text are served inline ' +
      'with `Content-Security-Policy: sandbox` and `X-Content-Type-Options: nosniff`; anything else (HTML and SVG included) stays an attachment.',
    auth: 'none',
    params: ShareFileParams,
    query: PublicShareFileQuery,
    headers: rangeHeaders,
    responses: {
      200: { ...bytes('The whole file.'), headers: downloadHeaders },
      206: { ...bytes('The requested byte range.'), headers: { ...downloadHeaders, 'Content-Range': 'The range sent.' } },
      ...publicFailures,
      404: { description: 'Unknown or revoked share, or a file not in it.' },
      416: { description: 'The range is outside the file (`range_not_satisfiable`).' },
    },
  }),
  publicZip: defineRoute({
    method: 'get',
    path: '/api/public/shares/{token}/zip',
    tags: ['Sharing'],
    summary: 'Download every shared file as one ZIP',
    description:
      'Stored (not compressed), ZIP64 when needed, named after the share. Its exact length is known before the first byte, so it carries `Content-Length` and `Range` ' +
      'resumes an interrupted download (206); a response starting at byte 0 counts as one download.',
    auth: 'none',
    params: ShareTokenParams,
    query: PublicShareQuery,
    headers: rangeHeaders,
    responses: {
      200: { description: 'The archive.', contentType: 'application/zip', headers: downloadHeaders },
      206: {
        description: 'The requested byte range of the archive.',
        contentType: 'application/zip',
        headers: { ...downloadHeaders, 'Content-Range': 'The range sent.' },
      },
      ...publicFailures,
      416: { description: 'The range is outside the archive (`range_not_satisfiable`).' },
    },
  }),
};
