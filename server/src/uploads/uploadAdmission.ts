import { Description, Filename, Title } from '@dropline/contract';
import type { AuthUser } from '../auth/tokens.js';
import type { AllowedFileTypes } from '../files/fileTypes.js';
import { HttpError, unauthorized } from '../http/errors.js';
import { validate } from '../http/route.js';
import type { NewUploadRecord, UploadsRepository } from './uploads.repository.js';
import type { UploadMetadata } from './uploadStore.js';

export const quotaExceeded = () =>
  new HttpError(413, 'quota_exceeded', 'This upload does not fit in your storage quota. Delete some files or ask an administrator for more space.');

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
   */
  async admit(
    user: AuthUser,
    id: string,
    metadata: UploadMetadata,
    createdAt: string,
    declaredLength: number,
    kind: Pick<NewUploadRecord, 'concat' | 'parts' | 'protocol'> = {},
  ): Promise<void> {
    if (kind.concat !== 'partial') this.check(metadata);
    const expiresAt = new Date(Date.parse(createdAt) + this.expirationMs).toISOString();
    const outcome = await this.uploads.create({ id, ownerId: user.id, createdAt, expiresAt, reservedBytes: declaredLength, ...kind }, this.defaultQuota);
    // The account went away between authentication and now: the same answer as its token gets next time.
    if (outcome === 'no_owner') throw unauthorized('The access token is not valid.', 'invalid_token');
    if (outcome === 'over_quota') throw quotaExceeded();
  }
}
