import { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import {
  BlobMissingError,
  type AppendHooks,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type LocalFile,
  type Storage,
  type UploadBackend,
  temporaryLocalFile,
} from '../blobStore.js';
import type { StorageLayout } from '../storageLayout.js';
import { CHUNK_BYTES, ChunkSealer, openChunks, plainSizeOf, SEALED_CHUNK_BYTES, sealedSize, sealedSpan, sealTail, type SealedRun } from './chunks.js';
import type { KeyRecord, KeyRecords } from './keyRecords.js';
import type { MasterKeys } from './masterKeys.js';
import { contentCorrupt } from './refusals.js';
import { appendSealed, finalSealedSize, finishSealed, progressOf, type SealedProgress } from './sealedAppend.js';

/**
 * Encryption at rest over either backend: every byte a BlobStore or UploadBackend stores passes
 * through here, sealed (see chunks.ts) under a data key of its own whose wrap is kept in
 * encryption_keys. Objects without a row there were stored without encryption and are served as
 * they are, so turning ENCRYPTION_KEY on keeps older files readable; an object with a row is only
 * ever served decrypted, or refused (no key, another key, altered bytes) before its first byte.
 * Sizes and offsets above this layer are the plaintext's.
 */
export function encryptedStorage(inner: Storage, keys: MasterKeys, records: KeyRecords, layout: StorageLayout): Storage {
  const blobs = new EncryptedBlobStore(inner.blobs, keys, records);
  return { blobs, uploads: new EncryptedUploadBackend(inner.uploads, keys, records, layout) };
}

const EMPTY = Buffer.alloc(0);

/** An object's data key and row, or null for an object stored without encryption; refused when the key cannot be had. */
async function keyOf(keys: MasterKeys, records: KeyRecords, objectKey: string): Promise<{ dataKey: Buffer; record: KeyRecord } | null> {
  const record = await records.find(objectKey);
  return record && { dataKey: keys.unwrap(record.wrap), record };
}

/** Where an encrypted object stands: an upload still growing (its row keeps a tail), or a complete object. */
function viewOf(dataKey: Buffer, record: KeyRecord, storedBytes: number): { progress: SealedProgress | null; plainSize: number; inChunks: number } {
  if (record.tail) {
    const progress = progressOf(dataKey, storedBytes, record.tail, null);
    return { progress, plainSize: progress.offset, inChunks: (progress.sealedOffset / SEALED_CHUNK_BYTES) * CHUNK_BYTES };
  }
  const plainSize = plainSizeOf(storedBytes);
  if (plainSize === null) throw contentCorrupt();
  return { progress: null, plainSize, inChunks: plainSize };
}

class EncryptedBlobStore implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly keys: MasterKeys,
    private readonly records: KeyRecords,
  ) {}

  /**
   * The row goes first: an object is never stored encrypted without the key to read it. (An object
   * replaced under a new key by a put that then fails is refused as altered, never served wrong.)
   */
  async put(key: string, body: Readable): Promise<void> {
    if (!this.keys.enabled) {
      await this.inner.put(key, body);
      await this.records.remove(key);
      return;
    }
    const { dataKey, wrap } = this.keys.newDataKey();
    await this.records.put(key, wrap);
    await this.inner.put(key, Readable.from(sealAll(body, dataKey)));
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const info = await this.inner.stat(key);
    if (!info) return null;
    const encrypted = await keyOf(this.keys, this.records, key);
    if (!encrypted) return info;
    return { ...info, size: viewOf(encrypted.dataKey, encrypted.record, info.size).plainSize };
  }

  /**
   * Reads only the chunks the range touches (and an unfinished upload's tail from its row). The
   * first piece is opened before the stream is handed back, so a refusal of the key or of the first
   * chunk is an error the caller can still answer with; later chunks that fail end the stream.
   */
  async read(key: string, range?: ByteRange): Promise<Readable> {
    const encrypted = await keyOf(this.keys, this.records, key);
    if (!encrypted) return this.inner.read(key, range);
    const { dataKey, record } = encrypted;
    const info = await this.inner.stat(key);
    if (!info) throw new BlobMissingError(key);
    const view = viewOf(dataKey, record, info.size);
    const start = range?.start ?? 0;
    const end = Math.min(range ? range.end + 1 : view.plainSize, view.plainSize);
    const inner = this.inner;
    async function* plaintext(): AsyncGenerator<Buffer> {
      const chunksEnd = Math.min(end, view.inChunks);
      if (start < chunksEnd) {
        const span = sealedSpan(start, chunksEnd, view.inChunks);
        const sealed = await inner.read(key, { start: span.start, end: Math.min(span.end, info!.size) - 1 });
        yield* openChunks(sealed, dataKey, { plainSize: view.inChunks, complete: view.progress === null, start, end: chunksEnd });
      }
      const tail = view.progress?.tail;
      if (tail && end > view.inChunks) yield tail.plain.subarray(Math.max(start - view.inChunks, 0), end - view.inChunks);
    }
    return startedStream(plaintext());
  }

  async deleteAll(prefix: string): Promise<void> {
    await this.inner.deleteAll(prefix);
    await this.records.removeUnder(prefix);
  }

  list(prefix: string): AsyncIterable<string> {
    return this.inner.list(prefix);
  }

  /**
   * A decrypted copy in the local temporary directory, for the one library that reads only paths
   * (the image decoder), removed by `release`; an object stored without encryption is the backend's.
   */
  async localFile(key: string): Promise<LocalFile> {
    if (!(await this.records.find(key))) return this.inner.localFile(key);
    const source = await this.read(key);
    return temporaryLocalFile(source, 'dropline-plain-');
  }
}

async function* sealAll(body: AsyncIterable<Buffer>, dataKey: Buffer): AsyncGenerator<Buffer> {
  const sealer = new ChunkSealer(dataKey, 0, EMPTY, null);
  for await (const piece of body) {
    const run = sealer.push(piece);
    if (run) yield run.sealed;
  }
  const rest = sealer.drain();
  if (rest) yield rest.sealed;
  const last = sealer.finish();
  if (last) yield last.sealed;
}

/** A stream whose first piece is already read: errors before it are the caller's to answer. */
async function startedStream(source: AsyncGenerator<Buffer>): Promise<Readable> {
  const first = await source.next();
  return Readable.from(
    (async function* () {
      if (first.done) return;
      yield first.value;
      yield* source;
    })(),
    { objectMode: false },
  );
}

/**
 * tus' own store under encryption: lengths and offsets it is told and tells are the plaintext's;
 * the backend's store holds sealed chunks, so its lengths are the stored ones.
 */
class EncryptedDataStore extends DataStore {
  constructor(
    private readonly inner: DataStore,
    private readonly keys: MasterKeys,
    private readonly records: KeyRecords,
    private readonly layout: StorageLayout,
  ) {
    super();
    this.extensions = inner.extensions;
  }

  /** A new upload gets its data key (and an empty tail, which marks it as still growing) before its first byte. */
  override async create(upload: Upload): Promise<Upload> {
    if (!this.keys.enabled) return this.inner.create(upload);
    const { dataKey, wrap } = this.keys.newDataKey();
    const tail = upload.size === 0 ? null : { index: 0, sealed: sealTail(dataKey, { index: 0, plain: EMPTY }) };
    await this.records.put(this.layout.storageKey(upload.id), wrap, tail);
    const created = await this.inner.create(new Upload({ ...upload, size: upload.size === undefined ? undefined : sealedSize(upload.size) }));
    return new Upload({ ...created, size: upload.size, offset: 0 });
  }

  override async getUpload(id: string): Promise<Upload> {
    const stored = await this.inner.getUpload(id);
    const encrypted = await keyOf(this.keys, this.records, this.layout.storageKey(id));
    if (!encrypted) return stored;
    const plainSize = stored.size === undefined ? null : plainSizeOf(stored.size);
    const progress = progressOf(encrypted.dataKey, stored.offset, encrypted.record.tail, plainSize);
    return new Upload({ ...stored, size: plainSize ?? undefined, offset: progress.offset });
  }

  /** The stored length to expect: what `length` plaintext bytes seal to (with the end marked apart when it must be). */
  override async declareUploadLength(id: string, length: number): Promise<void> {
    const encrypted = await keyOf(this.keys, this.records, this.layout.storageKey(id));
    if (!encrypted) return this.inner.declareUploadLength(id, length);
    const stored = await this.inner.getUpload(id);
    const progress = progressOf(encrypted.dataKey, stored.offset, encrypted.record.tail, null);
    await this.inner.declareUploadLength(id, finalSealedSize(progress, length));
  }

  override getExpiration(): number {
    return this.inner.getExpiration();
  }

  override async remove(id: string): Promise<void> {
    await this.inner.remove(id);
    await this.records.remove(this.layout.storageKey(id));
  }
}

class EncryptedUploadBackend implements UploadBackend {
  readonly store: EncryptedDataStore;

  constructor(
    private readonly inner: UploadBackend,
    private readonly keys: MasterKeys,
    private readonly records: KeyRecords,
    private readonly layout: StorageLayout,
  ) {
    this.store = new EncryptedDataStore(inner.store, keys, records, layout);
  }

  /**
   * Seals the request's bytes onto the stored chunks (see appendSealed) and saves the new tail. The
   * hooks hear plaintext: a chunk's bytes once the backend has them, the tail's once its row is
   * saved, so a hash state saved at `saved` never runs ahead of what is kept.
   */
  async append(source: AsyncIterable<Buffer>, id: string, offset: number, hooks: AppendHooks): Promise<number> {
    const objectKey = this.layout.storageKey(id);
    const encrypted = await keyOf(this.keys, this.records, objectKey);
    if (!encrypted) return this.inner.append(source, id, offset, hooks);
    const { dataKey, record } = encrypted;
    const stored = await this.inner.store.getUpload(id);
    const plainSize = stored.size === undefined ? null : plainSizeOf(stored.size);
    const progress = progressOf(dataKey, stored.offset, record.tail, plainSize);
    if (offset !== progress.offset) throw ERRORS.INVALID_OFFSET;
    if (progress.complete) return progress.offset;

    const heard = new PlainHearing(progress.offset, hooks);
    const result = await appendSealed(
      dataKey,
      progress,
      source,
      plainSize,
      (sealedOffset, chunks) =>
        this.inner.append(chunks, id, sealedOffset, {
          durable: (chunk) => heard.stored(chunk.length),
          saved: hooks.saved,
          checkpointBytes: hooks.checkpointBytes,
        }),
      (chunk) => heard.sealed(chunk),
    );
    await this.records.saveTail(objectKey, result.tail && { index: result.tail.index, sealed: result.tail.sealed });
    if (result.tail) await heard.kept(result.tail.index * CHUNK_BYTES, [result.tail.plain]);
    await hooks.saved?.();
    if (result.sourceError !== undefined) throw result.sourceError;
    return result.offset;
  }

  /** The tail becomes the last chunk, and the backend's upload ends at the stored length that makes. */
  async seal(id: string, size: number, metadata: Record<string, string | null>, creationDate: string | undefined): Promise<void> {
    const objectKey = this.layout.storageKey(id);
    const encrypted = await keyOf(this.keys, this.records, objectKey);
    if (!encrypted) return this.inner.seal(id, size, metadata, creationDate);
    const stored = await this.inner.store.getUpload(id);
    const progress = progressOf(encrypted.dataKey, stored.offset, encrypted.record.tail, null);
    if (progress.offset !== size) throw ERRORS.INVALID_OFFSET;
    const written = await finishSealed(encrypted.dataKey, progress, (sealedOffset, chunks) => this.inner.append(chunks, id, sealedOffset, {}));
    await this.inner.seal(id, progress.sealedOffset + written, metadata, creationDate);
    await this.records.saveTail(objectKey, null);
  }

  async discard(id: string): Promise<boolean> {
    const discarded = await this.inner.discard(id);
    await this.records.remove(this.layout.storageKey(id));
    return discarded;
  }

  ids(): Promise<string[]> {
    return this.inner.ids();
  }

  scratchPath(id: string): string {
    return this.inner.scratchPath(id);
  }
}

/**
 * Turns what the backend reports stored (sealed bytes) back into the plaintext they hold, in
 * order, for the append hooks. `heard` is how far the hooks have heard: the old tail's bytes were
 * heard when it was saved, so only what lies beyond is passed on.
 */
class PlainHearing {
  private readonly queue: SealedRun[] = [];
  private storedBytes = 0;

  constructor(
    private heard: number,
    private readonly hooks: AppendHooks,
  ) {}

  sealed(run: SealedRun): void {
    this.queue.push(run);
  }

  async stored(length: number): Promise<void> {
    this.storedBytes += length;
    while (this.queue.length > 0 && this.storedBytes >= this.queue[0]!.sealed.length) {
      const run = this.queue.shift()!;
      this.storedBytes -= run.sealed.length;
      await this.kept(run.index * CHUNK_BYTES, run.plain);
    }
  }

  /** Plaintext from `start` on, in pieces; what the hooks have heard already is skipped. */
  async kept(start: number, plain: readonly Buffer[]): Promise<void> {
    let at = start;
    for (const piece of plain) {
      const from = this.heard - at;
      at += piece.length;
      if (from >= piece.length) continue;
      this.heard = at;
      await this.hooks.durable?.(from > 0 ? piece.subarray(from) : piece);
    }
  }
}
