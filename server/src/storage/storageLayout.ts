import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Upload and file ids: what `newId` makes, and the only client input ever joined into a path. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The blob keys there are: a file's bytes, and the files processing derived from it. */
const BLOB_KEY = /^(?:uploads\/(?:[A-Za-z0-9_-]{1,64})?|derived\/[A-Za-z0-9_-]{1,64}\/(?:[A-Za-z0-9_.-]{1,64}\/?)*)$/;

/** Where processing writes an image's preview, inside the file's derived directory. */
export const THUMBNAIL_FILE = 'thumbnail.webp';

export const isSafeId = (id: string): boolean => SAFE_ID.test(id);

/** A blob key as StorageLayout builds them (or a derived prefix); anything else is a bug, never client input. */
export function checkedKey(key: string): string {
  if (!BLOB_KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) throw new Error(`not a blob key: ${JSON.stringify(key)}`);
  return key;
}

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

  constructor(private readonly root: string) {
    this.uploadsDir = path.join(root, 'uploads');
  }

  /** The files row's `storage_key`: the blob key of its bytes. */
  storageKey(id: string): string {
    return `uploads/${checked(id)}`;
  }

  /** The prefix under which every derived blob of a file lives. */
  derivedPrefix(id: string): string {
    return `derived/${checked(id)}/`;
  }

  thumbnailKey(id: string): string {
    return `${this.derivedPrefix(id)}${THUMBNAIL_FILE}`;
  }

  /** Where the filesystem backend keeps a blob key (or a derived prefix, as a directory). */
  pathOfKey(key: string): string {
    return path.join(this.root, ...checkedKey(key).split('/'));
  }

  uploadPath(id: string): string {
    return path.join(this.uploadsDir, checked(id));
  }

  /** A checksummed request's bytes wait here until they are verified, so a mismatch leaves the upload as it was. */
  pendingChunkPath(id: string): string {
    return `${this.uploadPath(id)}.chunk`;
  }
}

function checked(id: string): string {
  if (!isSafeId(id)) throw new Error(`not a safe id: ${JSON.stringify(id)}`);
  return id;
}
