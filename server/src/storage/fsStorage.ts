import { randomBytes } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS, Upload } from '@tus/utils';
import {
  BlobMissingError,
  isBlobMissing,
  type AppendHooks,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type LocalFile,
  type Storage,
  type UploadBackend,
} from './blobStore.js';
import type { StorageLayout } from './storageLayout.js';

/** Incoming bytes are gathered into writes of this size: few syscalls, little memory per upload. */
const BATCH_BYTES = 1024 * 1024;

/** STORAGE=fs: every blob is a file under STORAGE_DIR, uploads are tus' FileStore in STORAGE_DIR/uploads. */
export async function fsStorage(layout: StorageLayout, expirationMs: number): Promise<Storage> {
  await mkdir(layout.uploadsDir, { recursive: true });
  return { blobs: new FsBlobStore(layout), uploads: new FsUploadBackend(layout, expirationMs) };
}

export class FsBlobStore implements BlobStore {
  constructor(private readonly layout: StorageLayout) {}

  async put(key: string, body: Readable): Promise<void> {
    const target = this.layout.pathOfKey(key);
    await mkdir(path.dirname(target), { recursive: true });
    // Written aside and renamed into place, so a reader never sees half a file.
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await pipeline(body, createWriteStream(temporary));
      await rename(temporary, target);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const info = await stat(this.layout.pathOfKey(key));
      if (!info.isFile()) return null;
      return { size: info.size, modified: info.mtime, etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"` };
    } catch (err) {
      if (isBlobMissing(err)) return null;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.layout.pathOfKey(key), 'r');
    } catch (err) {
      throw isBlobMissing(err) ? new BlobMissingError(key) : err;
    }
    return handle.createReadStream({ ...range, highWaterMark: BATCH_BYTES });
  }

  async deleteAll(prefix: string): Promise<void> {
    await rm(this.layout.pathOfKey(prefix), { recursive: true, force: true });
  }

  async *list(prefix: string): AsyncIterable<string> {
    // The directory the prefix names (`derived/<id>/`), or holds the start of the names in (`uploads/<id>`).
    const directory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    let entries: Dirent[];
    try {
      entries = await readdir(this.layout.pathOfKey(directory), { recursive: true, withFileTypes: true });
    } catch (err) {
      if (isBlobMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    const root = this.layout.pathOfKey(directory);
    for (const entry of entries) {
      // tus' info files and side files sit beside upload data; they are not blobs.
      if (!entry.isFile() || /\.(tmp|json|chunk)$/.test(entry.name)) continue;
      const key = `${directory}${path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')}`;
      if (key.startsWith(prefix)) yield key;
    }
  }

  async localFile(key: string): Promise<LocalFile> {
    const file = this.layout.pathOfKey(key);
    if (!(await this.stat(key))) throw new BlobMissingError(key);
    return { path: file, release: async () => {} };
  }
}

/** Resumable uploads as tus' FileStore keeps them: `<id>` data files with `<id>.json` info beside them. */
class FsUploadBackend implements UploadBackend {
  readonly store: FileStore;

  constructor(
    private readonly layout: StorageLayout,
    expirationMs: number,
  ) {
    this.store = new FileStore({ directory: layout.uploadsDir, expirationPeriodInMilliseconds: expirationMs });
  }

  /**
   * Writes in batches, telling `durable` only of bytes that are on disk, so a state saved at any
   * `saved` never runs ahead of the file (a crash leaves it behind at worst). What arrived before a
   * broken connection is kept, and the source's error goes back as it is; the disk's are a write error.
   */
  async append(source: AsyncIterable<Buffer>, id: string, offset: number, hooks: AppendHooks): Promise<number> {
    let position = offset;
    const handle = await open(this.layout.uploadPath(id), 'r+');
    let batch: Buffer[] = [];
    let batched = 0;
    let sinceSaved = 0;
    let flushing = false;
    const flush = async () => {
      if (batched === 0) return;
      flushing = true;
      // One vectored write rather than a copy into a new MiB first: the copy and its fresh pages cost more than the write.
      const chunks = batch;
      const length = batched;
      batch = [];
      batched = 0;
      await writeFully(handle, chunks, position);
      position += length;
      for (const chunk of chunks) await hooks.durable?.(chunk);
      sinceSaved += length;
      if (hooks.checkpointBytes !== undefined && sinceSaved >= hooks.checkpointBytes) {
        sinceSaved = 0;
        await hooks.saved?.();
      }
      flushing = false;
    };
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
    await hooks.saved?.();
    if (diskError !== undefined) throw ERRORS.FILE_WRITE_ERROR;
    if (sourceError !== undefined) throw sourceError;
    return position;
  }

  async seal(id: string, size: number, metadata: Record<string, string | null>, creationDate: string | undefined): Promise<void> {
    await this.store.configstore.set(id, new Upload({ id, size, offset: 0, metadata, creation_date: creationDate }));
  }

  async discard(id: string): Promise<boolean> {
    await rm(this.layout.uploadPath(id), { force: true });
    await rm(this.layout.pendingChunkPath(id), { force: true });
    return this.store.configstore.delete(id).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        return false;
      },
    );
  }

  async ids(): Promise<string[]> {
    return (await this.store.configstore.list?.()) ?? [];
  }

  scratchPath(id: string): string {
    return this.layout.pendingChunkPath(id);
  }
}

async function writeFully(handle: FileHandle, chunks: Buffer[], position: number): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest, position);
    position += bytesWritten;
    // A short write leaves part of one chunk and those after it.
    let done = 0;
    while (done < rest.length && bytesWritten >= rest[done]!.length) bytesWritten -= rest[done++]!.length;
    rest = rest.slice(done);
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}
