import { Description, Filename, Title, UploaderName } from '@dropline/contract';
import { requestOf, uploadOwnerOf, type Uploader } from '../auth/ownership.js';
import type { AllowedFileTypes } from '../files/fileTypes.js';
import { HttpError, badRequest, unauthorized } from '../http/errors.js';
import { validate } from '../http/route.js';
import type { CreateOutcome, NewUploadRecord, UploadsRepository } from './uploads.repository.js';
import type { UploadMetadata } from './uploadStore.js';

export const quotaExceeded = () =>
  new HttpError(413, 'quota_exceeded', 'This upload does not fit in your storage quota. Delete some files or ask an administrator for more space.');

/** The longest `expires` in seconds: far enough for anything, short enough to stay a valid date. */
const MAX_EXPIRES_SECONDS = 100 * 365 * 86_400;

/**
 * tus metadata `expires`: when the file is to be deleted, as an ISO time in the future or a whole
 * number of seconds after `createdAt`. Returns the ISO time; a bad value is 400 `invalid_metadata`.
 */
export function fileExpiryOf(expires: string | undefined | null, createdAt: string): string | null {
  if (expires === undefined || expires === null) return null;
  const text = expires.trim();
  const seconds = /^\d{1,10}$/.test(text) ? Number(text) : null;
  const at = seconds !== null ? Date.parse(createdAt) + seconds * 1000 : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (seconds !== null ? seconds < 1 || seconds > MAX_EXPIRES_SECONDS : !Number.isFinite(at) || at <= Date.now()) {
    throw badRequest('The metadata "expires" must be an ISO time in the future or a number of seconds (at least 1).', 'invalid_metadata');
  }
  return new Date(at).toISOString();
}

/**
 * The checks every new upload passes, over tus or as a form, before a byte is stored: a filename,
 * a valid title and description, an allowed type. Then its owner is recorded, outside the metadata.
 */
export class UploadAdmission {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly allowedTypes: AllowedFileTypes,
    private readonly expirationMs: number,
    private readonly defaultQuota: number | null,
  ) {}

  check(metadata: UploadMetadata): void {
    const filename = validate(Filename, metadata.filename, 'body');
    validate(Title.optional(), metadata.title, 'body');
    validate(Description.optional(), metadata.description, 'body');
    if (!this.allowedTypes.allows(filename, metadata.filetype)) {
      throw new HttpError(415, 'unsupported_file_type', `This type of file is not accepted. Allowed: ${this.allowedTypes.describe()}.`);
    }
  }

  /**
   * `declaredLength` (0 when deferred) is reserved against the owner's quota now; 413
   * `quota_exceeded` when it doesn't fit. A partial upload (tus concatenation) is only a piece of a
   * file: its metadata is whatever the client likes, and the final upload made of it passes the checks.
   *
   * Through a file request the upload goes into the request owner's account, and the request's
   * limits are checked in the same transaction (413 `request_full`, 410 `request_expired`). Its
   * `uploader` name is kept; `expires` is the owner's to choose, so a link cannot set it.
   */
  async admit(
    uploader: Uploader,
    id: string,
    metadata: UploadMetadata,
    createdAt: string,
    declaredLength: number,
    kind: Pick<NewUploadRecord, 'concat' | 'parts' | 'protocol'> = {},
  ): Promise<void> {
    const whole = kind.concat !== 'partial';
    if (whole) this.check(metadata);
    const requestId = requestOf(uploader);
    const fromLink = requestId !== null && whole;
    const outcome = await this.uploads.create(
      {
        id,
        ownerId: uploadOwnerOf(uploader),
        createdAt,
        expiresAt: new Date(Date.parse(createdAt) + this.expirationMs).toISOString(),
        reservedBytes: declaredLength,
        requestId,
        uploader: fromLink ? (validate(UploaderName.optional(), metadata.uploader ?? undefined, 'body') ?? null) : null,
        fileExpiresAt: whole && requestId === null ? fileExpiryOf(metadata.expires, createdAt) : null,
        ...kind,
      },
      this.defaultQuota,
    );
    if (outcome !== 'created') throw refusal(outcome);
  }
}

export const requestExpired = () => new HttpError(410, 'request_expired', 'This file request has expired.');

/** The answer to an upload that its owner's quota or its file request's limits refused. */
export function refusal(outcome: Exclude<CreateOutcome, 'created'>): HttpError {
  switch (outcome) {
    // The account or the request went away between authentication and now: the same answer as its credentials get next time.
    case 'no_owner':
    case 'request_closed':
      return unauthorized('The access token is not valid.', 'invalid_token');
    case 'over_quota':
      return quotaExceeded();
    case 'request_expired':
      return requestExpired();
    case 'request_full':
      return new HttpError(413, 'request_full', 'This file request has received all the files or bytes it accepts.');
  }
}
