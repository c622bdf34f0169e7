import { rm } from 'node:fs/promises';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { Upload } from '@tus/utils';
import type { StorageLayout } from '../storage/storageLayout.js';

export type UploadMetadata = Record<string, string | null>;

/** All bytes are there: the length is known and the data on disk has reached it. */
export const isComplete = (upload: Upload): boolean => upload.size !== undefined && upload.offset === upload.size;

/**
 * The tus FileStore in STORAGE_DIR/uploads: data files with `<id>.json` info files beside them, so
 * uploads survive restarts and can be shared by several nodes.
 */
export class UploadStore extends FileStore {
  constructor(
    private readonly layout: StorageLayout,
    expirationMs: number,
    /** Checks each write against the owner's quota (see QuotaMeter). */
    private readonly meter?: (id: string, offset: number) => Promise<Transform | null>,
  ) {
    super({ directory: layout.uploadsDir, expirationPeriodInMilliseconds: expirationMs });
  }

  /**
   * Every write, from tus or a form, goes through the quota meter. FileStore reports any failure as
   * its generic write error; the meter's own refusal (413 quota_exceeded) is what the client sees.
   */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const meter = await this.meter?.(id, offset);
    if (!meter) return super.write(readable, id, offset);
    let refusal: unknown;
    meter.once('error', (err) => (refusal ??= err));
    const metered = pipeline(readable, meter, () => {});
    try {
      return await super.write(metered, id, offset);
    } catch (err) {
      throw refusal ?? err;
    }
  }

  /**
   * Deletes unfinished uploads past their expiry and returns how many. FileStore's own version
   * compares the length with the offset in the info file, which it never updates after creation,
   * so it would delete finished uploads too: the bytes of every file. This one asks the disk.
   */
  override async deleteExpired(): Promise<number> {
    const expiration = this.getExpiration();
    if (expiration <= 0) return 0;
    let removed = 0;
    for (const id of (await this.configstore.list?.()) ?? []) {
      const upload = await this.findUpload(id);
      if (!upload?.creation_date || isComplete(upload)) continue;
      if (Date.parse(upload.creation_date) + expiration < Date.now()) {
        await this.discard(id);
        removed++;
      }
    }
    return removed;
  }

  /**
   * tus' HEAD and PATCH handlers expire any upload by its age, but per the protocol only unfinished
   * uploads expire: a finished one is shown to them without its creation date, so its URL keeps
   * answering (HEAD gives the full offset) for as long as the file exists.
   */
  override async getUpload(id: string): Promise<Upload> {
    const upload = await super.getUpload(id);
    if (isComplete(upload)) upload.creation_date = undefined;
    return upload;
  }

  /** Like getUpload, but an upload that isn't there (tus' 404 and 410) is null rather than an error. */
  async findUpload(id: string): Promise<Upload | null> {
    try {
      return await this.getUpload(id);
    } catch (err) {
      const status = (err as { status_code?: unknown } | null)?.status_code;
      if (status === 404 || status === 410) return null;
      throw err;
    }
  }

  /** Removes an upload's data and info file; parts that are already gone are not an error. */
  async discard(id: string): Promise<void> {
    await rm(this.layout.uploadPath(id), { force: true });
    await this.configstore.delete(id).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /**
   * Ends an upload created with a deferred length at the bytes written so far, with its final
   * metadata (a form's fields may arrive after its file). Returns the complete upload.
   */
  async seal(id: string, metadata: UploadMetadata): Promise<Upload> {
    const upload = await this.getUpload(id);
    await this.configstore.set(id, new Upload({ id, size: upload.offset, offset: 0, metadata, creation_date: upload.creation_date }));
    return new Upload({ ...upload, size: upload.offset, metadata });
  }
}
