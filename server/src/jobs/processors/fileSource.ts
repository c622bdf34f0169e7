import type { Readable } from 'node:stream';
import { isBlobMissing, type BlobStore, type LocalFile } from '../../storage/blobStore.js';
import { fileGone } from './errors.js';
import type { RandomReader } from './readAt.js';

/**
 * A stored file as processing reads it, where it lies (on disk or in a bucket): reads at any
 * position (each a ranged read of the blob), one sequential stream, or, for the image decoder
 * alone, a path on this machine. Nothing reads more than it asks for.
 */
export interface FileSource extends RandomReader {
  /** The stored size when the file was opened. */
  readonly size: number;
  stream(): Promise<Readable>;
  localFile(): Promise<LocalFile>;
}

/** A file that is gone is `fileGone` (code ENOENT); other storage errors carry no path or key in their message. */
function readFailure(err: unknown): Error {
  if (isBlobMissing(err)) return fileGone(err);
  return new Error('the stored file could not be read', { cause: err });
}

export async function openStoredFile(blobs: BlobStore, key: string): Promise<FileSource> {
  const info = await blobs.stat(key);
  if (!info) throw fileGone(new Error('not stored'));
  return {
    size: info.size,
    async read(buffer, offset, length, position) {
      const end = Math.min(position + length, info.size);
      if (end <= position) return { bytesRead: 0 };
      let filled = 0;
      try {
        for await (const chunk of await blobs.read(key, { start: position, end: end - 1 })) {
          filled += (chunk as Buffer).copy(buffer, offset + filled);
        }
      } catch (err) {
        throw readFailure(err);
      }
      return { bytesRead: filled };
    },
    stream: () => blobs.read(key).catch((err: unknown) => Promise.reject(readFailure(err))),
    localFile: () => blobs.localFile(key).catch((err: unknown) => Promise.reject(readFailure(err))),
  };
}
