import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline as pipe, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import { HttpError } from '../http/errors.js';
import type { UploadBackend } from '../storage/blobStore.js';
import type { UploadRow } from '../db/schema.js';
import type { ContentHashes } from './contentHash.js';
import { hashStartOf, type HashStart } from './uploads.repository.js';
import { uploadRequest, type Checksum } from './uploadRequest.js';

export type UploadMetadata = Record<string, string | null>;

/** Where a write reads its upload's record (the uploads table). */
export interface UploadRecords {
  find(id: string): Promise<UploadRow | undefined>;
}

/**
 * Waits before the next piece of upload data while people wait on other requests; null: go on now.
 * (RequestPriority's `turn`.)
 */
export type DataTurn = () => Promise<void> | null;

/** All bytes are there: the length is known and the data on disk has reached it. */
export const isComplete = (upload: Upload): boolean => upload.size !== undefined && upload.offset === upload.size;

/** A long request saves its hash state this often, bounding what a crash makes the next one read again. */
const CHECKPOINT_BYTES = 256 * 1024 * 1024;

/**
 * The tus DataStore the server uses, over whichever backend storage gives (FileStore on disk,
 * @tus/s3-store in a bucket; uploads survive restarts and can be shared by several nodes either way).
 * tus' own store does creation, offsets and completion; this adds what Dropline needs of every store:
 * the quota meter, checksums, MAX_CHUNK_SIZE, the SHA-256 as bytes arrive, and expiry that spares
 * finished uploads.
 */
export class UploadStore extends DataStore {
  private readonly inner: DataStore;

  constructor(
    private readonly backend: UploadBackend,
    private readonly hashes: ContentHashes,
    private readonly records: UploadRecords,
    /** Checks each write against the owner's quota (see QuotaMeter). */
    private readonly meter: (upload: UploadRow, offset: number) => Transform,
    private readonly turn: DataTurn = () => null,
  ) {
    super();
    this.inner = backend.store;
    // Both are Dropline's own: checksums in `write`, concatenation in the uploads routes and Concatenation.
    this.extensions = [...backend.store.extensions, 'checksum', 'concatenation'];
  }

  override create(upload: Upload): Promise<Upload> {
    return this.inner.create(upload);
  }

  override declareUploadLength(id: string, length: number): Promise<void> {
    return this.inner.declareUploadLength(id, length);
  }

  override getExpiration(): number {
    return this.inner.getExpiration();
  }

  /** tus' own termination (DELETE of an unfinished upload) removes everything the upload left, as discard does. */
  override async remove(id: string): Promise<void> {
    if (!(await this.discard(id))) throw ERRORS.FILE_NOT_FOUND;
  }

  /**
   * @tus/server 2.4 refuses every Upload-Concat unless the store has "concatentation" (sic). Saying
   * yes lets it create partial uploads like any other; final uploads never reach it (see the routes).
   */
  override hasExtension(extension: string): boolean {
    return extension === 'concatentation' || super.hasExtension(extension);
  }

  /**
   * Every write, from tus or a form, goes through the quota meter first. FileStore reports any
   * failure as its generic write error; the meter's own refusal (413 quota_exceeded) is what the
   * client sees.
   */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    // One read of the upload's record gives both the meter and the hash their starting points.
    const upload = await this.records.find(id);
    const start = hashStartOf(upload);
    // No record: tus answers for it.
    if (!upload) return this.receive(readable, id, offset, start);
    const meter = this.meter(upload, offset);
    let refusal: unknown;
    meter.once('error', (err) => (refusal ??= err));
    try {
      return await this.receive(
        pipe(readable, meter, () => {}),
        id,
        offset,
        start,
      );
    } catch (err) {
      throw refusal ?? err;
    }
  }

  /**
   * Appends a request's bytes at `offset` and returns the new offset, updating the upload's SHA-256
   * as they land. With an Upload-Checksum the bytes wait in a side file until they match, so a
   * mismatch (460) keeps none of them; past MAX_CHUNK_SIZE the request is refused (413).
   */
  private async receive(readable: Readable, id: string, offset: number, start: HashStart): Promise<number> {
    const { checksum, maxAppend } = uploadRequest.getStore() ?? {};
    // Refusing mid-stream must not tear the stream down here: tus would take that for an abort (400).
    const pieces = inTurn(maxAppend === undefined ? readable : readable.iterator({ destroyOnReturn: false }), this.turn);
    const incoming = maxAppend === undefined ? pieces : limitedTo(pieces, maxAppend);
    if (!checksum) return this.append(incoming, id, offset, start);
    const pending = this.backend.scratchPath(id);
    try {
      await receiveVerified(incoming, pending, checksum);
      return await this.append(createReadStream(pending, { highWaterMark: 1024 * 1024 }), id, offset, start);
    } finally {
      await rm(pending, { force: true });
    }
  }

  /** Appends through the backend, feeding the hash what it stores; the hash state is saved only where the backend says the bytes are kept. */
  private async append(source: AsyncIterable<Buffer>, id: string, offset: number, start: HashStart): Promise<number> {
    const hash = await this.hashes.resume(id, offset, start);
    if (!hash) return this.backend.append(source, id, offset, {});
    return this.backend.append(source, id, offset, {
      durable: (chunk) => hash.update(chunk),
      // A state that could not be saved only lags the upload: the next resume reads the gap.
      saved: () => hash.checkpoint().catch(() => {}),
      checkpointBytes: CHECKPOINT_BYTES,
    });
  }

  /**
   * Deletes unfinished uploads past their expiry and returns how many. FileStore's own version
   * compares the length with the offset in the info file, which it never updates after creation,
   * so it would delete finished uploads too: the bytes of every file; @tus/s3-store's leaves the
   * upload's other objects. This one asks the store for each upload's offset and discards it whole.
   */
  override async deleteExpired(): Promise<number> {
    const expiration = this.getExpiration();
    if (expiration <= 0) return 0;
    let removed = 0;
    for (const id of await this.backend.ids()) {
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
    const upload = await this.inner.getUpload(id);
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
   * Removes everything an upload left (data, info, incomplete parts, side files); parts that are
   * already gone are not an error. True when this call removed the info, so of several nodes
   * discarding one upload, one sees true.
   */
  discard(id: string): Promise<boolean> {
    return this.backend.discard(id);
  }

  /**
   * Ends an upload created with a deferred length at the bytes written so far, with its final
   * metadata (a form's fields may arrive after its file). Returns the complete upload.
   */
  async seal(id: string, metadata: UploadMetadata): Promise<Upload> {
    const upload = await this.getUpload(id);
    await this.backend.seal(id, upload.offset, metadata, upload.creation_date);
    return new Upload({ ...upload, size: upload.offset, metadata });
  }
}

/** Lets each piece through when it is upload data's turn. */
async function* inTurn(source: AsyncIterable<Buffer>, turn: DataTurn): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const wait = turn();
    if (wait) await wait;
    yield chunk;
  }
}

/** Passes at most `max` bytes through; one more and the request is refused before it reaches the disk. */
async function* limitedTo(source: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > max)
      throw new HttpError(
        413,
        'chunk_too_large',
        `One request may carry at most ${max} bytes (Upload-Limit max-append-size); send the rest in further requests.`,
      );
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
