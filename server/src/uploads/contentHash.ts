import { isSha256State, sha256Digest, sha256Update, type Sha256State } from '@dropline/openssl';
import { isBlobMissing, type BlobStore } from '../storage/blobStore.js';
import type { StorageLayout } from '../storage/storageLayout.js';
import { hashThreads, type HashState } from './hashThreads.js';
import type { HashStart, SavedHash } from './uploads.repository.js';

/** The saved state of a SHA-256 that has taken nothing yet. */
const START: Sha256State = sha256Update(null, new Uint8Array(0));

/** What a finished upload's bytes hash to: SHA-256 (hex) and the unsigned CRC-32 a ZIP header needs. */
export interface Digests {
  sha256: string;
  crc32: number;
}

/** Where an upload's hash state is kept between requests and restarts (the uploads table). */
export interface HashStates {
  savedHash(id: string): Promise<HashStart>;
  saveHash(id: string, hash: SavedHash): Promise<void>;
  saveSha256(id: string, sha256: string): Promise<void>;
}

/**
 * The SHA-256 and CRC-32 of an upload in progress, covering its first `offset` bytes. Only bytes
 * that are already stored may be fed to them, so a saved state never runs ahead of the upload. The
 * bytes are hashed off the event loop (hashThreads.ts), one chunk after another.
 */
/** How many bytes go to a hash thread at a time. */
const HASH_BATCH_BYTES = 1024 * 1024;

export class RunningHash {
  /** The state after every batch sent so far, once the hash threads have caught up. */
  private hashed: Promise<HashState>;
  /** Bytes taken by `update` and not yet sent: allocated when needed, so an idle upload holds none. */
  private batch: Uint8Array<ArrayBuffer> | undefined;
  private batched = 0;

  constructor(
    private readonly id: string,
    /** The saved SHA-256 state after the first `position` bytes. */
    sha256: Sha256State,
    private position: number,
    /** zlib's CRC-32 continues from a previous value, so its whole state is this number. */
    crc: number,
    private readonly states: HashStates,
  ) {
    this.hashed = Promise.resolve({ sha256, crc32: crc });
  }

  get offset(): number {
    return this.position;
  }

  /**
   * Takes `chunk`, copied at once (its buffer may be reused), into a batch that goes to a hash
   * thread when it holds a MiB: a thread round trip per 64 KiB (as encrypted storage reports its
   * chunks) cost more CPU than hashing. Resolves once the batch before is hashed, so a caller that
   * waits has at most two batches queued.
   */
  update(chunk: Uint8Array): Promise<void> {
    this.position += chunk.length;
    let flushed: Promise<void> | undefined;
    for (let at = 0; at < chunk.length; ) {
      this.batch ??= hashThreads.buffer(HASH_BATCH_BYTES);
      const take = Math.min(chunk.length - at, HASH_BATCH_BYTES - this.batched);
      this.batch.set(chunk.subarray(at, at + take), this.batched);
      this.batched += take;
      at += take;
      if (this.batched === HASH_BATCH_BYTES) {
        flushed = this.flush();
        // Only the last is returned; the caller hears an earlier failure from it too.
        flushed.catch(() => {});
      }
    }
    return flushed ?? Promise.resolve();
  }

  /** Sends the batch to a hash thread; resolves once everything before it is hashed. */
  private flush(): Promise<void> {
    const before = this.hashed;
    if (this.batch && this.batched > 0) {
      const bytes = this.batch.subarray(0, this.batched);
      this.batch = undefined;
      this.batched = 0;
      this.hashed = before.then((state) => hashThreads.continue(state, bytes));
      // Whoever waits next (update, checkpoint, digests) hears a failure; none may go unhandled meanwhile.
      this.hashed.catch(() => {});
    }
    return before.then(() => {});
  }

  /** Saves the state, so a later request or a restarted server continues from here. */
  async checkpoint(): Promise<void> {
    const offset = this.position;
    this.flush().catch(() => {});
    const { sha256, crc32 } = await this.hashed;
    return this.states.saveHash(this.id, { state: sha256, offset, crc32 });
  }

  async digests(): Promise<Digests> {
    this.flush().catch(() => {});
    const { sha256, crc32 } = await this.hashed;
    return { sha256: sha256Digest(sha256).toString('hex'), crc32 };
  }
}

/**
 * SHA-256 and CRC-32 computed as an upload's bytes arrive, so a finished upload's digests are known
 * without reading the file again. node:crypto cannot save a hash's state between requests;
 * @dropline/openssl runs the same OpenSSL SHA-256 and can (hash-wasm, which it replaced, hashed ten
 * times slower: 151 against 1,486 MB/s on one core here).
 */
export class ContentHashes {
  constructor(
    private readonly states: HashStates,
    private readonly blobs: BlobStore,
    private readonly layout: StorageLayout,
  ) {}

  /**
   * The hash after the upload's first `offset` bytes: the saved state, plus the bytes it lags
   * behind (a crash between a write and its save) read from the file. A state ahead of the file
   * (its tail was lost) is useless; then the whole prefix is read. Null for a partial upload: the
   * final upload made of it is hashed as it is assembled, so hashing the partial would be wasted.
   * Null too when the lagging bytes cannot be read yet (S3 cannot read an unfinished multipart
   * upload): this request goes unhashed, and the gap is read once the upload is complete. `start`:
   * the saved state when the caller has read it already.
   */
  async resume(id: string, offset: number, start?: HashStart): Promise<RunningHash | null> {
    const { saved, partial } = start ?? (await this.states.savedHash(id));
    if (partial) return null;
    // A state saved by the hasher before this one (an upload in progress across the upgrade) is
    // useless too, and is replaced like a state ahead of the bytes.
    const usable = saved !== null && saved.offset <= offset && isSha256State(saved.state);
    const hash = usable ? new RunningHash(id, saved.state, saved.offset, saved.crc32, this.states) : new RunningHash(id, START, 0, 0, this.states);
    // A state ahead of the bytes is replaced at once, so no later resume can take it up.
    if (saved && !usable) await hash.checkpoint();
    if (hash.offset < offset) {
      try {
        await this.readInto(hash, id, offset);
      } catch (err) {
        if (isBlobMissing(err)) return null;
        throw err;
      }
      await hash.checkpoint();
    }
    return hash;
  }

  /**
   * The digests of a finished upload of `size` bytes; reads only what was never hashed. The SHA-256
   * is saved for processing; the CRC-32 is already saved with the state, which now covers every byte.
   */
  async finish(id: string, size: number): Promise<Digests | null> {
    const hash = await this.resume(id, size);
    if (!hash) return null;
    const digests = await hash.digests();
    await this.states.saveSha256(id, digests.sha256);
    return digests;
  }

  private async readInto(hash: RunningHash, id: string, end: number): Promise<void> {
    const stream = await this.blobs.read(this.layout.storageKey(id), { start: hash.offset, end: end - 1 });
    for await (const chunk of stream) await hash.update(chunk as Buffer);
    if (hash.offset < end) throw new Error(`upload ${id} has fewer than ${end} bytes stored`);
  }
}
