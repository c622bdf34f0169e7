import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataStore } from '@tus/utils';

/**
 * Where stored bytes live, whichever backend holds them (STORAGE=fs: files under STORAGE_DIR;
 * STORAGE=s3: objects in S3_BUCKET). Everything outside src/storage reads and writes bytes through
 * this and never learns which backend is on. Keys are the logical names StorageLayout builds:
 * `uploads/<id>` for a file's bytes (its `storage_key`), `derived/<id>/<name>` for what processing
 * made of it. Every call streams: no call holds a whole blob in memory.
 */
export interface BlobStore {
  /** Stores a (small or large) stream under `key`, replacing what was there; readers see the old or the new bytes, never half. */
  put(key: string, body: Readable): Promise<void>;
  /** Size and version of a blob, or null when there is none. */
  stat(key: string): Promise<BlobInfo | null>;
  /** The bytes `range.start..range.end` (inclusive; the whole blob without a range) as a stream. Rejects with BlobMissingError when there is none. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes every blob whose key starts with `prefix` (a derived directory: `derived/<id>/`); none is not an error. */
  deleteAll(prefix: string): Promise<void>;
  /** Keys starting with `prefix`, for recovery and sweeps; order unspecified. */
  list(prefix: string): AsyncIterable<string>;
  /**
   * A path on this machine holding the blob's bytes, for libraries that read only paths (the image
   * decoder). The filesystem backend gives its own file; S3 streams the object to a temporary file,
   * which `release` removes. Anything that can stream or read ranges uses `read` instead.
   */
  localFile(key: string): Promise<LocalFile>;
}

/** Both ends inclusive, as in HTTP's Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobInfo {
  size: number;
  modified: Date;
  /** Changes whenever the bytes do: a strong validator for ETag and If-Range. */
  etag: string;
}

export interface LocalFile {
  path: string;
  release(): Promise<void>;
}

/**
 * `source` written to a file of its own in the local temporary directory (a folder `prefix…` only
 * its owner can enter, the file readable by its owner alone); `release` removes both. Nothing is
 * left behind when the copy fails.
 */
export async function temporaryLocalFile(source: Readable, prefix: string): Promise<LocalFile> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const release = () => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'blob');
  try {
    await pipeline(source, createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await release();
    throw err;
  }
  return { path: file, release };
}

/** The blob is not stored (deleted meanwhile, or lost). */
export class BlobMissingError extends Error {
  readonly code = 'ENOENT';
  constructor(key: string) {
    super(`no stored blob ${key}`);
    this.name = 'BlobMissingError';
  }
}

export const isBlobMissing = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'ENOENT';

/**
 * How resumable uploads are kept by a backend: tus' own DataStore for it (FileStore or
 * @tus/s3-store, which owns creation, offsets and completion) plus the few things Dropline's upload
 * store (uploads/uploadStore.ts) adds on top of any tus store.
 */
export interface UploadBackend {
  readonly store: DataStore;
  /**
   * Appends `source` at `offset` and returns the new offset. `hooks.durable` hears every appended
   * byte in order (the filesystem once written, S3 as it passes); `hooks.saved` is called only at
   * points where every byte heard is stored for good, so a state saved there never runs ahead of the
   * upload. `checkpointBytes` asks for such points within long requests where the backend can give them.
   */
  append(source: AsyncIterable<Buffer>, id: string, offset: number, hooks: AppendHooks): Promise<number>;
  /** Ends a deferred-length upload at `size` (its offset now) with its final metadata; after it the upload reads as complete. */
  seal(id: string, size: number, metadata: Record<string, string | null>, creationDate: string | undefined): Promise<void>;
  /** Removes everything an upload left (data, info, incomplete parts, side files); true when its info was there to remove. */
  discard(id: string): Promise<boolean>;
  /** Ids of every upload whose info is stored, finished or not, for expiry sweeps. */
  ids(): Promise<string[]>;
  /** A scratch file for one request's bytes that must be verified before they are appended (Upload-Checksum). */
  scratchPath(id: string): string;
}

export interface AppendHooks {
  /** Awaited before more bytes are taken: a slow listener (the hash threads) holds the upload back rather than queueing it in memory. */
  durable?(chunk: Buffer): void | Promise<void>;
  saved?(): Promise<void>;
  checkpointBytes?: number;
}

/** What the rest of the server is handed: the blobs and the upload backend of one storage. */
export interface Storage {
  blobs: BlobStore;
  uploads: UploadBackend;
}
