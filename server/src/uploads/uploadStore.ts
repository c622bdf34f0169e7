import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { pipeline as pipe, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS, Upload } from '@tus/utils';
import { HttpError } from '../http/errors.js';
import type { StorageLayout } from '../storage/storageLayout.js';
import type { ContentHashes } from './contentHash.js';
import { uploadRequest, type Checksum } from './uploadRequest.js';

export type UploadMetadata = Record<string, string | null>;

/** All bytes are there: the length is known and the data on disk has reached it. */
export const isComplete = (upload: Upload): boolean => upload.size !== undefined && upload.offset === upload.size;

/** Incoming bytes are gathered into writes of this size: few syscalls, little memory per upload. */
const BATCH_BYTES = 1024 * 1024;
/** A long request saves its hash state this often, bounding what a crash makes the next one read again. */
const CHECKPOINT_BYTES = 256 * 1024 * 1024;

/**
 * The tus FileStore in STORAGE_DIR/uploads: data files with `<id>.json` info files beside them, so
 * uploads survive restarts and can be shared by several nodes.
 */
export class UploadStore extends FileStore {
  constructor(
    private readonly layout: StorageLayout,
    expirationMs: number,
    private readonly hashes: ContentHashes,
    /** Checks each write against the owner's quota (see QuotaMeter). */
    private readonly meter?: (id: string, offset: number) => Promise<Transform | null>,
  ) {
    super({ directory: layout.uploadsDir, expirationPeriodInMilliseconds: expirationMs });
    // Both are Dropline's own: checksums in `write`, concatenation in the uploads routes and Concatenation.
    this.extensions.push('checksum', 'concatenation');
  }

  /**
   * @tus/server 2.4 refuses every Upload-Concat unless the store has "concatentation" (sic). Saying
   * yes lets it create partial uploads like any other; final uploads never reach it (see the routes).
   */
  override hasExtension(extension: string): boolean {
    return extension === 'concatentation' || super.hasExtension(extension);
  }

  /**
   * Appends a request's bytes at `offset` and returns the new offset, updating the upload's SHA-256
   * as they land. With an Upload-Checksum the bytes wait in a side file until they match, so a
   * mismatch (460) keeps none of them; past MAX_CHUNK_SIZE the request is refused (413).
   */
  /**
   * Every write, from tus or a form, goes through the quota meter first. FileStore reports any
   * failure as its generic write error; the meter's own refusal (413 quota_exceeded) is what the
   * client sees.
   */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const meter = await this.meter?.(id, offset);
    if (!meter) return this.receive(readable, id, offset);
    let refusal: unknown;
    meter.once('error', (err) => (refusal ??= err));
    try {
      return await this.receive(pipe(readable, meter, () => {}), id, offset);
    } catch (err) {
      throw refusal ?? err;
    }
  }

  private async receive(readable: Readable, id: string, offset: number): Promise<number> {
    const { checksum, maxAppend } = uploadRequest.getStore() ?? {};
    // Refusing mid-stream must not tear the stream down here: tus would take that for an abort (400).
    const incoming = maxAppend === undefined ? readable : limitedTo(readable.iterator({ destroyOnReturn: false }), maxAppend);
    if (!checksum) return this.append(incoming, id, offset);
    const pending = this.layout.pendingChunkPath(id);
    try {
      await receiveVerified(incoming, pending, checksum);
      return await this.append(createReadStream(pending, { highWaterMark: BATCH_BYTES }), id, offset);
    } finally {
      await rm(pending, { force: true });
    }
  }

  /**
   * Writes in batches, feeding the hash only bytes that are on disk, so a saved hash state never
   * runs ahead of the file (a crash leaves it behind at worst, and the gap is read on resume).
   */
  private async append(source: AsyncIterable<Buffer>, id: string, offset: number): Promise<number> {
    const hash = await this.hashes.resume(id, offset);
    let position = offset;
    // A state that could not be saved only lags the file: the next resume reads the gap.
    const checkpoint = async () => hash?.checkpoint().catch(() => {});
    const handle = await open(this.layout.uploadPath(id), 'r+');
    let batch: Buffer[] = [];
    let batched = 0;
    let sinceCheckpoint = 0;
    let flushing = false;
    const flush = async () => {
      if (batched === 0) return;
      flushing = true;
      const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
      batch = [];
      batched = 0;
      await writeFully(handle, data, position);
      position += data.length;
      await hash?.update(data);
      sinceCheckpoint += data.length;
      if (sinceCheckpoint >= CHECKPOINT_BYTES) {
        sinceCheckpoint = 0;
        await checkpoint();
      }
      flushing = false;
    };
    // The source's errors (a refused size, a broken connection) go back to tus as they are, and what
    // arrived before them is kept; the disk's are a write failure.
    let sourceError: unknown;
    let diskError: unknown;
    try {
      for await (const chunk of source) {
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= BATCH_BYTES) await flush();
      }
    } catch (err) {
      if (flushing) diskError = err;
      else sourceError = err;
    }
    try {
      if (diskError === undefined) await flush();
    } catch (err) {
      diskError = err;
    } finally {
      await handle.close();
    }
    await checkpoint();
    if (diskError !== undefined) throw ERRORS.FILE_WRITE_ERROR;
    if (sourceError !== undefined) throw sourceError;
    return position;
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
      // Several nodes may sweep the same directory at once: only the one whose discard removed it counts it.
      if (Date.parse(upload.creation_date) + expiration < Date.now() && (await this.discard(id))) removed++;
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

  /**
   * Removes an upload's data and info file; parts that are already gone are not an error. True when
   * this call removed the info file, so of several nodes discarding one upload, one sees true.
   */
  async discard(id: string): Promise<boolean> {
    await rm(this.layout.uploadPath(id), { force: true });
    await rm(this.layout.pendingChunkPath(id), { force: true });
    return this.configstore.delete(id).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        return false;
      },
    );
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

async function writeFully(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Passes at most `max` bytes through; one more and the request is refused before it reaches the disk. */
async function* limitedTo(source: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > max) throw new HttpError(413, 'chunk_too_large', `One request may carry at most ${max} bytes (Upload-Limit max-append-size); send the rest in further requests.`);
    yield chunk;
  }
}

/** Receives a checksummed body into `path`; 460 (and nothing kept) when it does not match. */
async function receiveVerified(source: AsyncIterable<Buffer>, path: string, checksum: Checksum): Promise<void> {
  const digest = createHash(checksum.algorithm);
  await pipeline(
    source,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        digest.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(path),
  );
  if (!digest.digest().equals(checksum.digest)) {
    throw new HttpError(460, 'checksum_mismatch', 'The data does not match its Upload-Checksum, so none of it was kept. Please send it again.');
  }
}
