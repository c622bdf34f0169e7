import { crc32 } from 'node:zlib';
import { createSHA256, type IHasher } from 'hash-wasm';
import { isBlobMissing, type BlobStore } from '../storage/blobStore.js';
import type { StorageLayout } from '../storage/storageLayout.js';
import type { SavedHash } from './uploads.repository.js';

/** What a finished upload's bytes hash to: SHA-256 (hex) and the unsigned CRC-32 a ZIP header needs. */
export interface Digests {
  sha256: string;
  crc32: number;
}

/** Where an upload's hash state is kept between requests and restarts (the uploads table). */
export interface HashStates {
  savedHash(id: string): Promise<{ saved: SavedHash | null; partial: boolean }>;
  saveHash(id: string, hash: SavedHash): Promise<void>;
  saveSha256(id: string, sha256: string): Promise<void>;
}

/**
 * The SHA-256 and CRC-32 of an upload in progress, covering its first `offset` bytes. Only bytes
 * that are already stored may be fed to them, so a saved state never runs ahead of the upload.
 */
export class RunningHash {
  constructor(
    private readonly id: string,
    private readonly hasher: IHasher,
    private position: number,
    /** zlib's CRC-32 continues from a previous value, so its whole state is this number. */
    private crc: number,
    private readonly states: HashStates,
  ) {}

  get offset(): number {
    return this.position;
  }

  update(chunk: Uint8Array): void {
    this.hasher.update(chunk);
    this.crc = crc32(chunk, this.crc);
    this.position += chunk.length;
  }

  /** Saves the state, so a later request or a restarted server continues from here. */
  checkpoint(): Promise<void> {
    return this.states.saveHash(this.id, { state: this.hasher.save(), offset: this.position, crc32: this.crc });
  }

  digests(): Digests {
    return { sha256: this.hasher.digest('hex'), crc32: this.crc };
  }
}

/**
 * SHA-256 and CRC-32 computed as an upload's bytes arrive (node:crypto cannot save a hash state;
 * hash-wasm can), so a finished upload's digests are known without reading the file again.
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
   * upload): this request goes unhashed, and the gap is read once the upload is complete.
   */
  async resume(id: string, offset: number): Promise<RunningHash | null> {
    const { saved, partial } = await this.states.savedHash(id);
    if (partial) return null;
    const hasher = await createSHA256();
    hasher.init();
    let from = 0;
    let crc = 0;
    if (saved && saved.offset <= offset) {
      hasher.load(saved.state);
      from = saved.offset;
      crc = saved.crc32;
    }
    const hash = new RunningHash(id, hasher, from, crc, this.states);
    // A state ahead of the bytes is replaced at once, so no later resume can take it up.
    if (saved && saved.offset > offset) await hash.checkpoint();
    if (from < offset) {
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
    const digests = hash.digests();
    await this.states.saveSha256(id, digests.sha256);
    return digests;
  }

  private async readInto(hash: RunningHash, id: string, end: number): Promise<void> {
    const stream = await this.blobs.read(this.layout.storageKey(id), { start: hash.offset, end: end - 1 });
    for await (const chunk of stream) hash.update(chunk as Buffer);
    if (hash.offset < end) throw new Error(`upload ${id} has fewer than ${end} bytes stored`);
  }
}
