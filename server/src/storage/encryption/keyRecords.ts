import type { WrappedKey } from './masterKeys.js';
import type { SavedTail } from './sealedAppend.js';

/** What is kept for one encrypted object: its wrapped data key, and an unfinished upload's tail. */
export interface KeyRecord {
  wrap: WrappedKey;
  tail: SavedTail | null;
}

/**
 * Where encrypted storage keeps its objects' keys, by storage key (the database's encryption_keys
 * table: see encryption/encryptionKeys.repository.ts). A row is written before its object's first
 * byte and removed after its object.
 */
export interface KeyRecords {
  find(objectKey: string): Promise<KeyRecord | null>;
  /** Records a new object's key (and an upload's first, empty tail), replacing what an earlier object of that name had. */
  put(objectKey: string, wrap: WrappedKey, tail?: SavedTail | null): Promise<void>;
  saveTail(objectKey: string, tail: SavedTail | null): Promise<void>;
  remove(objectKey: string): Promise<void>;
  /** Forgets the keys of every object under a folder-like prefix (`derived/<fileId>/`). */
  removeUnder(prefix: string): Promise<void>;
  /** A page of the keys not wrapped by `keyId`, in storage-key order after `after`. */
  wrappedByOthers(keyId: string, after: string, limit: number): Promise<Array<{ objectKey: string; wrap: WrappedKey }>>;
  /** Replaces a wrap by another of the same data key, unless the row changed meanwhile (then false). */
  replaceWrap(objectKey: string, from: WrappedKey, to: WrappedKey): Promise<boolean>;
}
