import { Readable } from 'node:stream';
import { Metadata, Upload, type Locker } from '@tus/utils';
import { isOwnUpload, type Uploader } from '../auth/ownership.js';
import { now } from '../db/time.js';
import { HttpError, badRequest, notFound } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { File } from '@dropline/contract';
import type { BlobStore } from '../storage/blobStore.js';
import { isSafeId, newId, type StorageLayout } from '../storage/storageLayout.js';
import type { Ingest } from './ingest.js';
import type { UploadAdmission } from './uploadAdmission.js';
import type { UploadsRepository } from './uploads.repository.js';
import { isComplete, type UploadMetadata, type UploadStore } from './uploadStore.js';

interface Part {
  id: string;
  size: number;
}

/** A partial's URL in Upload-Concat: absolute or a path, always ending in `<uploadsPath>/<id>`. */
function partIdOf(reference: string, uploadsPath: string): string {
  let path: string;
  try {
    path = new URL(reference, 'http://upload.invalid').pathname;
  } catch {
    throw badRequest(`"${reference}" in Upload-Concat is not an upload URL.`, 'invalid_concat');
  }
  const id = path.startsWith(`${uploadsPath}/`) ? path.slice(uploadsPath.length + 1) : '';
  if (!isSafeId(id)) throw badRequest(`"${reference}" in Upload-Concat is not an upload URL.`, 'invalid_concat');
  return id;
}

/**
 * tus concatenation, which @tus/server does not do: partial uploads are ordinary uploads marked as
 * partial (never files); a final upload names the caller's own finished partials in order, and its
 * bytes are copied from theirs by streaming (never held in memory), hashed on the way, and go
 * through the one ingest. The partials are deleted once the final has become a file.
 */
export class Concatenation {
  constructor(
    private readonly store: UploadStore,
    private readonly uploads: UploadsRepository,
    private readonly admission: UploadAdmission,
    private readonly ingest: Ingest,
    private readonly locker: Locker,
    private readonly blobs: BlobStore,
    private readonly layout: StorageLayout,
    private readonly maxUploadSize: number,
    private readonly log: Logger,
  ) {}

  /** `Upload-Concat: final;<url> <url> ...`: creates the final upload and assembles it; returns its id. */
  async createFinal(uploader: Uploader, concatHeader: string, metadataHeader: string | undefined, uploadsPath: string): Promise<string> {
    const match = /^final;(.*)$/.exec(concatHeader.trim());
    const references = match?.[1]?.split(' ').filter(Boolean) ?? [];
    if (references.length === 0)
      throw badRequest('Upload-Concat must be "partial" or "final;" followed by the partial uploads\' URLs.', 'invalid_concat');
    const parts = await this.finishedParts(
      uploader,
      references.map((r) => partIdOf(r, uploadsPath)),
    );
    const size = parts.reduce((sum, part) => sum + part.size, 0);
    if (size > this.maxUploadSize) throw new HttpError(413, 'file_too_large', 'The file is larger than this server accepts (see Tus-Max-Size).');
    let metadata: UploadMetadata;
    try {
      metadata = Metadata.parse(metadataHeader);
    } catch {
      throw badRequest('Upload-Metadata must be comma-separated "key base64value" pairs with unique keys.', 'invalid_metadata');
    }

    const id = newId();
    const createdAt = now();
    // Its bytes are the partials', already reserved as each was created.
    await this.admission.admit(uploader, id, metadata, createdAt, 0, { concat: 'final', parts: parts.map((p) => p.id) });
    await this.store.create(new Upload({ id, size, offset: 0, metadata, creation_date: createdAt }));
    await this.assemble(id);
    return id;
  }

  /** Final uploads left unassembled by a crash are finished, or dropped when their partials are gone. */
  async recover(): Promise<void> {
    for (const id of await this.uploads.unassembledFinalIds()) {
      try {
        await this.assemble(id);
      } catch (err) {
        this.log.warn({ err, uploadId: id }, 'could not finish a concatenated upload; dropping it');
        await this.store.discard(id);
        await this.uploads.forget(id);
      }
    }
  }

  /** Copies the partials' bytes into the final upload from wherever it stands, then ingests it. */
  private async assemble(id: string): Promise<File | null> {
    const record = await this.uploads.find(id);
    const partIds = JSON.parse(record?.parts ?? '[]') as string[];
    const lock = this.locker.newLock(id);
    // Assembly is short and its bytes are fixed, so a request that asks for the upload waits for it.
    await lock.lock(new AbortController().signal, () => {});
    try {
      const final = await this.store.getUpload(id);
      if (!isComplete(final)) {
        const parts = await Promise.all(partIds.map(async (partId) => ({ id: partId, size: (await this.store.getUpload(partId)).size! })));
        await this.store.write(Readable.from(this.bytesOf(parts, final.offset)), id, final.offset);
      }
    } finally {
      await lock.unlock();
    }
    const file = await this.ingest.ingest(id);
    for (const partId of partIds) {
      await this.store.discard(partId);
      await this.uploads.forget(partId);
    }
    return file;
  }

  /** The partials' bytes as one stream, from `from` on. */
  private async *bytesOf(parts: Part[], from: number): AsyncGenerator<Buffer> {
    let start = 0;
    for (const part of parts) {
      const end = start + part.size;
      if (end > from && part.size > 0) {
        const stream = await this.blobs.read(this.layout.storageKey(part.id), { start: Math.max(from - start, 0), end: part.size - 1 });
        for await (const chunk of stream) yield chunk as Buffer;
      }
      start = end;
    }
  }

  /** Each reference must be one of the caller's own partials, with all its bytes; someone else's is 404. */
  private async finishedParts(uploader: Uploader, ids: string[]): Promise<Part[]> {
    const parts: Part[] = [];
    for (const id of ids) {
      const record = await this.uploads.find(id);
      const stored = record && isOwnUpload(uploader, record) ? await this.store.findUpload(id) : null;
      if (!record || !stored) throw notFound(`There is no upload ${id}.`);
      if (record.concat !== 'partial')
        throw badRequest(`Upload ${id} is not a partial upload (create it with Upload-Concat: partial).`, 'not_partial');
      if (!isComplete(stored)) throw badRequest(`Partial upload ${id} has not received all its bytes yet.`, 'partial_unfinished');
      parts.push({ id, size: stored.size! });
    }
    return parts;
  }
}
