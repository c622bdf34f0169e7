import { Description, Filename, Title } from '@dropline/contract';
import type { AuditLog } from '../audit/auditLog.js';
import type { NewFile, UploadRow } from '../db/schema.js';
import { now } from '../db/time.js';
import { validate } from '../http/route.js';
import type { FilesRepository } from '../files/files.repository.js';
import { mimeTypeOf } from '../files/fileTypes.js';
import { toFileView } from '../files/fileView.js';
import type { ProcessingScheduler } from '../files/files.service.js';
import type { Logger } from '../logger.js';
import type { File } from '@dropline/contract';
import type { FileEvents } from '../files/fileEvents.js';
import type { StorageLayout } from '../storage/storageLayout.js';
import type { ContentHashes } from './contentHash.js';
import type { UploadsRepository } from './uploads.repository.js';
import { isComplete, type UploadStore } from './uploadStore.js';

/**
 * The one way a finished upload becomes a file, whether it came over tus, as a form, or was found
 * finished at start. Every step is idempotent and `ingested_at` is written last, so a repeat or a
 * crash anywhere in between is finished by the next run: never two rows, never a lost one, and
 * processing always handed the file.
 */
export class Ingest {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly files: FilesRepository,
    private readonly store: UploadStore,
    private readonly layout: StorageLayout,
    private readonly scheduler: ProcessingScheduler,
    private readonly events: FileEvents,
    private readonly hashes: ContentHashes,
    private readonly log: Logger,
    private readonly audit: AuditLog,
    /** DEFAULT_FILE_TTL: how long a new file lives unless its upload chose (tus metadata `expires`); null: forever. */
    private readonly defaultFileTtlMs: number | null,
  ) {}

  /** Returns the file, or null while the upload's bytes are not all there (and always for a partial). */
  async ingest(id: string): Promise<File | null> {
    const upload = await this.uploads.find(id);
    if (!upload) throw new Error(`upload ${id} has no record`);
    if (upload.concat === 'partial') return null;
    const stored = await this.store.findUpload(id);
    if (!stored || !isComplete(stored)) return null;
    const crc32 = await this.finishHashes(upload, stored.size!);

    const metadata = stored.metadata ?? {};
    const filename = validate(Filename, metadata.filename, 'body');
    const at = now();
    const row: NewFile = {
      id,
      owner_id: upload.owner_id,
      filename,
      storage_key: this.layout.storageKey(id),
      size: stored.size!,
      mime_type: mimeTypeOf(filename, metadata.filetype),
      detected_type: null,
      title: validate(Title.optional(), metadata.title, 'body') ?? null,
      description: validate(Description.optional(), metadata.description, 'body') ?? null,
      status: 'uploaded',
      sha256: null,
      crc32,
      extracted: null,
      error: null,
      created_at: at,
      updated_at: at,
      processed_at: null,
      expires_at: upload.file_expires_at ?? (this.defaultFileTtlMs === null ? null : new Date(Date.parse(at) + this.defaultFileTtlMs).toISOString()),
      request_id: upload.request_id,
      uploader: upload.uploader,
    };
    const details = { filename, size: row.size };
    const inserted = await this.files.insertIfAbsent(row, async (trx) => {
      await this.audit.write({ action: 'file.create', actorId: upload.owner_id, targetType: 'file', targetId: id, details })(trx);
      if (upload.request_id !== null) {
        await this.audit.write({
          action: 'request.upload',
          actorId: null,
          targetType: 'request',
          targetId: upload.request_id,
          details: { ...details, fileId: id },
        })(trx);
      }
    });
    const file = await this.files.find(id);
    // Deleted by its owner in the meantime: nothing left to hand over.
    if (!file) return null;
    // A row still `uploaded` may not have reached processing before a crash; scheduling twice is safe.
    if (file.status === 'uploaded') await this.scheduler.schedule(id);
    await this.uploads.markIngested(id, at);

    const view = toFileView(file);
    if (inserted) {
      this.log.info({ fileId: id, size: view.size, ownerId: view.owner.id }, 'file uploaded');
      this.events.emit('created', view);
    }
    return view;
  }

  /**
   * Finishes the digests hashed as the bytes came and returns the CRC-32. Should that fail,
   * processing hashes the file itself, and its CRC-32 is computed from its bytes when first needed.
   */
  private async finishHashes(upload: UploadRow, size: number): Promise<number | null> {
    // Finished by an earlier run: the saved state covers every byte.
    if (upload.sha256 !== null) return upload.crc32 !== null && Number(upload.hash_offset) === size ? Number(upload.crc32) : null;
    try {
      return (await this.hashes.finish(upload.id, size))?.crc32 ?? null;
    } catch (err) {
      this.log.warn({ err, uploadId: upload.id }, 'could not finish the running hashes; processing will hash the file');
      return null;
    }
  }

  /** Ingests every upload that finished without being ingested; returns how many files that made. */
  async recover(): Promise<number> {
    let ingested = 0;
    for (const id of await this.uploads.pendingIds()) {
      try {
        if (await this.ingest(id)) ingested++;
      } catch (err) {
        this.log.warn({ err, uploadId: id }, 'could not ingest a finished upload; will try again');
      }
    }
    return ingested;
  }
}
