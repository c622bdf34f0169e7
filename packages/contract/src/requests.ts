import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from './auth.js';
import { cursorPage, FutureExpiry, Id, IdParams, IsoDateTime, rejectedAs } from './common.js';
import { CONTROLS, Description, MAX_TITLE_LENGTH, Title } from './fileFields.js';
import { defineRoute } from './route.js';
import { MIN_SHARE_PASSWORD_LENGTH, UnlockBody, UnlockResponse } from './shares.js';

/**
 * File requests: a link through which people without an account upload into the owner's account.
 * The link's token is a capability: it goes in `Authorization: Request <token>` on the tus endpoint.
 */

/** Like a share's password: a short one is fine, as the unlock is throttled. */
export const MIN_REQUEST_PASSWORD_LENGTH = MIN_SHARE_PASSWORD_LENGTH;
/** The longest `uploader` name tus metadata may carry. */
export const MAX_UPLOADER_LENGTH = 100;
const MAX_REQUEST_FILES = 100_000;

/** tus metadata `uploader` through a file request: a name for the owner to see; blank is none, too long is 400 `invalid_metadata`. */
export const UploaderName = z
  .string()
  .transform((raw) => raw.normalize('NFC').replace(CONTROLS, '').trim())
  .refine((name) => Array.from(name).length <= MAX_UPLOADER_LENGTH, {
    error: `The uploader's name must be at most ${MAX_UPLOADER_LENGTH} characters long.`,
  })
  .transform((name) => (name === '' ? null : name))
  .meta({ ...rejectedAs('invalid_metadata'), type: ['string', 'null'], maxLength: MAX_UPLOADER_LENGTH });

export const FileRequest = z
  .object({
    id: Id,
    url: z.string().meta({ description: 'The public page: `<origin>/r/<token>`.', example: 'https://dropline.example/r/kq3V0x0m5cY1Yk5n6d0v1Q' }),
    title: z.string(),
    message: z.string().nullable(),
    expiresAt: IsoDateTime.nullable().meta({ description: 'null: open until deleted.' }),
    maxFiles: z.number().int().nullable().meta({ description: 'null: no limit.' }),
    maxBytes: z.number().int().nullable().meta({ description: "null: no limit (beyond `MAX_UPLOAD_SIZE` and the owner's quota)." }),
    hasPassword: z.boolean(),
    files: z.number().int().meta({ description: 'Files uploaded through it so far.' }),
    bytes: z.number().int().meta({ description: 'Bytes uploaded through it so far.' }),
    createdAt: IsoDateTime,
  })
  .meta({ id: 'FileRequest' });
export type FileRequest = z.infer<typeof FileRequest>;

export const FileRequestPage = cursorPage(FileRequest).meta({ id: 'FileRequestPage' });
export type FileRequestPage = z.infer<typeof FileRequestPage>;

/** A file request's title: a file title that must be there. */
const RequestTitle = Title.refine((title): title is string => title !== null, {
  error: `The title must be 1 to ${MAX_TITLE_LENGTH} characters long.`,
}).meta({
  ...rejectedAs('invalid_title'),
  type: 'string',
  minLength: 1,
  maxLength: MAX_TITLE_LENGTH,
});

const passwordError = `The password must be ${MIN_REQUEST_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long.`;
const RequestPassword = z
  .string({ error: passwordError })
  .min(MIN_REQUEST_PASSWORD_LENGTH, { error: passwordError })
  .max(MAX_PASSWORD_LENGTH, { error: passwordError })
  .meta(rejectedAs('invalid_password'));

const MaxFiles = z.number({ error: 'maxFiles must be a whole number of at least 1, or null.' }).int().min(1).max(MAX_REQUEST_FILES).nullable();
const MaxBytes = z.number({ error: 'maxBytes must be a whole number of at least 1, or null.' }).int().min(1).max(Number.MAX_SAFE_INTEGER).nullable();

/** `POST /api/requests`. */
export const CreateFileRequestBody = z
  .strictObject({
    title: RequestTitle,
    message: Description.optional().meta({ description: 'Shown on the public page; line breaks kept.' }),
    expiresAt: FutureExpiry.optional(),
    maxFiles: MaxFiles.optional(),
    maxBytes: MaxBytes.optional().meta({ description: 'The total bytes it accepts (unfinished uploads count with their declared length).' }),
    password: RequestPassword.nullable().optional(),
  })
  .meta({ id: 'CreateFileRequest' });
export type CreateFileRequestBody = z.output<typeof CreateFileRequestBody>;

/** `PATCH /api/requests/{id}`: at least one field; `password: null` removes the password, `null` limits lift them. */
export const UpdateFileRequestBody = z
  .strictObject({
    title: RequestTitle.optional(),
    message: Description.optional(),
    expiresAt: FutureExpiry.optional(),
    maxFiles: MaxFiles.optional(),
    maxBytes: MaxBytes.optional(),
    password: RequestPassword.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'Nothing to change: give title, message, expiresAt, maxFiles, maxBytes or password.')
  .meta({ id: 'UpdateFileRequest' });
export type UpdateFileRequestBody = z.output<typeof UpdateFileRequestBody>;

export const FileRequestListQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20).meta({ type: 'integer', minimum: 1, maximum: 100, default: 20 }),
    cursor: z.string().optional().meta({ description: 'The `nextCursor` of the previous page (opaque).' }),
  })
  .meta(rejectedAs('invalid_query'));
export type FileRequestListQuery = z.output<typeof FileRequestListQuery>;

/** What anyone holding the link sees, before and after unlocking. */
export const PublicFileRequest = z
  .object({
    title: z.string(),
    message: z.string().nullable(),
    owner: z.object({ displayName: z.string() }),
    expiresAt: IsoDateTime.nullable(),
    requiresPassword: z.boolean(),
    remainingFiles: z.number().int().nullable().meta({ description: 'null: no limit.' }),
    remainingBytes: z.number().int().nullable().meta({ description: 'null: no limit.' }),
    maxUploadSize: z.number().int().nullable().meta({ description: 'The largest single file in bytes (`MAX_UPLOAD_SIZE`).' }),
    allowedFileTypes: z.array(z.string()).nullable().meta({ description: 'Extensions and MIME types accepted; null: any.' }),
  })
  .meta({ id: 'PublicFileRequest' });
export type PublicFileRequest = z.infer<typeof PublicFileRequest>;

/** Unlocking a request takes and answers the same shapes as unlocking a share. */
export const UnlockFileRequestBody = UnlockBody;
export type UnlockFileRequestBody = UnlockBody;
export const FileRequestAccess = UnlockResponse;
export type FileRequestAccess = UnlockResponse;

export const PublicTokenParams = z.object({ token: z.string().meta({ description: "The last path segment of the request's `url`." }) });

const notYours = { description: "No such request, or someone else's (never 403)." };
const unknownLink = { description: 'Unknown or deleted (`not_found`).' };
const expired = { description: 'The request has expired (`request_expired`).' };
const tags = ['File requests'];

export const requestRoutes = {
  create: defineRoute({
    method: 'post',
    path: '/api/requests',
    tags,
    summary: 'Ask for files: create a file request',
    description:
      'Anyone with the returned `url` can upload into your account (quota included) until it expires or its limits are reached. ' +
      'Uploads use the tus endpoint with `Authorization: Request <token>` (the token is the last path segment of `url`; with a password, ' +
      '`Request <token>:<accessToken>` from the unlock call), and may name the uploader in tus metadata `uploader`.',
    body: CreateFileRequestBody,
    responses: {
      201: { description: 'The request.', body: FileRequest },
      400: {
        description:
          'A bad field: `invalid_title`, `invalid_description` (the message), `invalid_expires_at` (past or not a time), `invalid_password` (under 4 characters), `invalid_request`.',
      },
    },
  }),
  list: defineRoute({
    method: 'get',
    path: '/api/requests',
    tags,
    summary: 'Your file requests, newest first',
    query: FileRequestListQuery,
    responses: { 200: { description: 'One page.', body: FileRequestPage }, 400: { description: 'A bad parameter (`invalid_query`).' } },
  }),
  get: defineRoute({
    method: 'get',
    path: '/api/requests/{id}',
    tags,
    summary: 'One file request',
    params: IdParams,
    responses: { 200: { description: 'The request.', body: FileRequest }, 404: notYours },
  }),
  update: defineRoute({
    method: 'patch',
    path: '/api/requests/{id}',
    tags,
    summary: 'Change a file request',
    description: '`password: null` removes the password; `null` for `expiresAt`, `maxFiles` or `maxBytes` lifts that limit.',
    params: IdParams,
    body: UpdateFileRequestBody,
    responses: { 200: { description: 'The changed request.', body: FileRequest }, 400: { description: 'A bad or empty change.' }, 404: notYours },
  }),
  delete: defineRoute({
    method: 'delete',
    path: '/api/requests/{id}',
    tags,
    summary: 'Delete a file request',
    description: 'Its link stops working at once and its unfinished uploads are dropped; files already uploaded through it stay yours.',
    params: IdParams,
    responses: { 204: { description: 'Deleted.' }, 404: notYours },
  }),
  publicGet: defineRoute({
    method: 'get',
    path: '/api/public/requests/{token}',
    tags,
    summary: 'A file request, as the people asked see it',
    auth: 'none',
    params: PublicTokenParams,
    responses: { 200: { description: 'The request.', body: PublicFileRequest }, 404: unknownLink, 410: expired },
  }),
  unlock: defineRoute({
    method: 'post',
    path: '/api/public/requests/{token}/unlock',
    tags,
    summary: 'Unlock a file request that has a password',
    auth: 'none',
    params: PublicTokenParams,
    body: UnlockFileRequestBody,
    responses: {
      200: {
        description: 'An access token for this request only: upload with `Authorization: Request <token>:<accessToken>`.',
        body: FileRequestAccess,
      },
      400: { description: 'No password given.' },
      401: { description: 'Wrong password (`wrong_password`).' },
      404: unknownLink,
      410: expired,
      429: { description: 'More than 10 wrong passwords in a minute for this request (`too_many_requests`), with `Retry-After`.' },
    },
  }),
};
