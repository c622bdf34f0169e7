import type { AuthUser } from '../auth/tokens.js';
import { descriptionFrom, filenameFrom, titleFrom } from '../files/fileFields.js';
import type { AllowedFileTypes } from '../files/fileTypes.js';
import { HttpError, unauthorized } from '../http/errors.js';
import type { NewUploadRecord, UploadsRepository } from './uploads.repository.js';
import type { UploadMetadata } from './uploadStore.js';

/**
 * The checks every new upload passes, over tus or as a form, before a byte is stored: a filename,
 * a valid title and description, an allowed type. Then its owner is recorded, outside the metadata.
 */
export class UploadAdmission {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly allowedTypes: AllowedFileTypes,
    private readonly expirationMs: number,
  ) {}

  check(metadata: UploadMetadata): void {
    const filename = filenameFrom(metadata.filename);
    titleFrom(metadata.title);
    descriptionFrom(metadata.description);
    if (!this.allowedTypes.allows(filename, metadata.filetype)) {
      throw new HttpError(415, 'unsupported_file_type', `This type of file is not accepted. Allowed: ${this.allowedTypes.describe()}.`);
    }
  }

  /**
   * A partial upload (tus concatenation) is only a piece of a file: its metadata is whatever the
   * client likes, and the final upload made of it passes the checks.
   */
  async admit(
    user: AuthUser,
    id: string,
    metadata: UploadMetadata,
    createdAt: string,
    kind: Pick<NewUploadRecord, 'concat' | 'parts' | 'protocol'> = {},
  ): Promise<void> {
    if (kind.concat !== 'partial') this.check(metadata);
    const expiresAt = new Date(Date.parse(createdAt) + this.expirationMs).toISOString();
    if (!(await this.uploads.create({ id, ownerId: user.id, createdAt, expiresAt, ...kind }))) {
      // The account went away between authentication and now: the same answer as its token gets next time.
      throw unauthorized('The access token is not valid.', 'invalid_token');
    }
  }
}
