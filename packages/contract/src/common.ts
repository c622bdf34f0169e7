import { z } from 'zod';

/**
 * How a request that fails a schema is answered. Put on a field (or a whole params/query/body
 * schema) with `.meta(rejectedAs('invalid_email'))`; the nearest one along the failing field's path
 * wins, else the answer is 400 `invalid_request`. The keys are OpenAPI extensions, so the generated
 * document tells clients which code a field's failure carries.
 */
export type RejectionMeta = { 'x-error-code': string; 'x-error-status'?: number };

export const rejectedAs = (code: string, status?: number): RejectionMeta =>
  status === undefined ? { 'x-error-code': code } : { 'x-error-code': code, 'x-error-status': status };

/** A UUID-like id as the server issues them; any other text is simply not found. */
export const Id = z.string().meta({ description: 'An id issued by the server.', example: '3f1c9a52-0c0e-4a1e-9f0d-2b7f6f3f8e11' });

export const IsoDateTime = z.string().meta({ description: 'An ISO 8601 time in UTC.', example: '2026-01-31T12:00:00.000Z', format: 'date-time' });

/** `:id` in a path. */
export const IdParams = z.object({ id: Id });

/**
 * Every error code the API answers with. A client should branch on `code` (the `message` is for
 * people and may change); new codes may be added, so unknown ones must be handled as generic errors.
 */
export const ERROR_CODES = [
  // Any route
  'invalid_request',
  'invalid_json',
  'payload_too_large',
  'not_found',
  'unauthorized',
  'invalid_token',
  'token_expired',
  'forbidden',
  'too_many_requests',
  'internal_error',
  'malformed_request',
  'headers_too_large',
  'request_timeout',
  'account_disabled',
  // Accounts
  'invalid_email',
  'invalid_password',
  'email_taken',
  'invalid_credentials',
  'invalid_refresh_token',
  'refresh_token_reused',
  // Files
  'invalid_query',
  'missing_filename',
  'invalid_title',
  'invalid_description',
  'content_gone',
  'range_not_satisfiable',
  'precondition_failed',
  'invalid_download_link',
  // Plain and resumable uploads
  'expected_multipart',
  'invalid_multipart',
  'missing_file',
  'file_too_large',
  'unsupported_file_type',
  'upload_interrupted',
  'missing_upload_offset',
  'upload_busy',
  'invalid_content_type',
  'offset_mismatch',
  'upload_expired',
  'upload_length_exceeded',
  'invalid_upload_length',
  'invalid_metadata',
  'invalid_header',
  'write_failed',
  'tus_resumable_required',
  'not_implemented',
  'request_failed',
  'quota_exceeded',
  'chunk_too_large',
  'checksum_mismatch',
  'invalid_checksum',
  'unsupported_checksum_algorithm',
  'unsupported_tus_version',
  'invalid_concat',
  'not_partial',
  'partial_unfinished',
  'protocol_mismatch',
  'unsupported_interop_version',
  'length_mismatch',
  'method_not_allowed',
  // Jobs
  'invalid_status',
  'invalid_limit',
  'invalid_cursor',
  'job_not_finished',
  'file_already_queued',
  // Administration
  'last_admin',
  // Sharing, file requests and the file lifecycle
  'invalid_file_ids',
  'invalid_expires_at',
  'invalid_max_downloads',
  'invalid_note',
  'share_expired',
  'download_limit_reached',
  'password_required',
  'wrong_password',
  'no_password',
  'request_full',
  'request_expired',
] as const;

export type KnownErrorCode = (typeof ERROR_CODES)[number];

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'A stable snake_case code to branch on.', examples: [...ERROR_CODES] }),
      message: z.string().meta({ description: 'A sentence for a person.' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error has this shape, whatever the status.' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `nextCursor`-style pages: `nextCursor` is null on the last page. */
export const cursorPage = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/**
 * An expiry a person sets: an ISO 8601 date-time in the future, normalised to UTC, or null for
 * "never". A past or unreadable time is 400 `invalid_expires_at`.
 */
export const FutureExpiry = z
  .string({ error: 'expiresAt must be an ISO 8601 time or null.' })
  .max(64, { error: 'expiresAt must be an ISO 8601 time or null.' })
  .refine((text) => /^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(Date.parse(text)), {
    error: 'expiresAt must be an ISO 8601 time, such as 2026-12-31T12:00:00Z.',
    abort: true,
  })
  .refine((text) => Date.parse(text) > Date.now(), { error: 'expiresAt must be in the future.' })
  .transform((text) => new Date(text).toISOString())
  .nullable()
  .meta({ ...rejectedAs('invalid_expires_at'), type: ['string', 'null'], format: 'date-time', description: 'A time in the future; null: never.' });
