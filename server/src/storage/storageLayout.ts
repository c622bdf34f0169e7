import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Upload and file ids: what `newId` makes, and the only client input ever joined into a path. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const STORAGE_KEY = /^uploads\/([A-Za-z0-9_-]{1,64})$/;

/** Where processing writes an image's preview, inside the file's derived directory. */
export const THUMBNAIL_FILE = 'thumbnail.webp';

export const isSafeId = (id: string): boolean => SAFE_ID.test(id);

/**
 * 128 random bits, URL-safe: an upload's URL is not guessable from another one. An id never
 * starts with `-`, so `dropline rm <id>` and other command lines never read one as an option
 * (one base64url id in 64 would); redrawing the first character costs a fraction of a bit.
 */
export const newId = (): string => {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (id[0] !== '-') return id;
  }
};

/**
 * Where things live under STORAGE_DIR: upload data (with tus' `.json` info files beside it) in
 * `uploads/`, processing output in `derived/<fileId>/`. Every path is built here, from checked ids.
 */
export class StorageLayout {
  readonly uploadsDir: string;
  readonly derivedRoot: string;

  constructor(root: string) {
    this.uploadsDir = path.join(root, 'uploads');
    this.derivedRoot = path.join(root, 'derived');
  }

  /** The files row's `storage_key`: the bytes' place relative to STORAGE_DIR. */
  storageKey(id: string): string {
    return `uploads/${checked(id)}`;
  }

  pathOfKey(storageKey: string): string {
    const match = STORAGE_KEY.exec(storageKey);
    if (!match) throw new Error(`not a storage key: ${JSON.stringify(storageKey)}`);
    return this.uploadPath(match[1]!);
  }

  uploadPath(id: string): string {
    return path.join(this.uploadsDir, checked(id));
  }

  /** A checksummed request's bytes wait here until they are verified, so a mismatch leaves the upload as it was. */
  pendingChunkPath(id: string): string {
    return `${this.uploadPath(id)}.chunk`;
  }

  derivedDir(id: string): string {
    return path.join(this.derivedRoot, checked(id));
  }

  thumbnailPath(id: string): string {
    return path.join(this.derivedDir(id), THUMBNAIL_FILE);
  }
}

function checked(id: string): string {
  if (!isSafeId(id)) throw new Error(`not a safe id: ${JSON.stringify(id)}`);
  return id;
}
