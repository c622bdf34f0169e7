import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { now } from '../db/time.js';
import type { KeyRecord, KeyRecords } from '../storage/encryption/keyRecords.js';
import type { WrappedKey } from '../storage/encryption/masterKeys.js';
import type { SavedTail } from '../storage/encryption/sealedAppend.js';

const b64 = (bytes: Buffer): string => bytes.toString('base64');
const bytes = (text: string): Buffer => Buffer.from(text, 'base64');

/** The encryption_keys table (migration 012), by storage key: where encrypted storage keeps its keys. */
export class EncryptionKeysRepository implements KeyRecords {
  constructor(private readonly db: Db) {}

  async find(objectKey: string): Promise<KeyRecord | null> {
    const row = await this.db
      .selectFrom('encryption_keys')
      .select(['key_id', 'wrapped_key', 'tail_index', 'tail'])
      .where('object_key', '=', objectKey)
      .executeTakeFirst();
    if (!row) return null;
    return {
      wrap: { keyId: row.key_id, wrapped: bytes(row.wrapped_key) },
      tail: row.tail !== null && row.tail_index !== null ? { index: Number(row.tail_index), sealed: bytes(row.tail) } : null,
    };
  }

  /**
   * Records a new object's key (and an upload's first, empty tail); an object stored again under the
   * same name (a derived file redone) gets the new one.
   */
  async put(objectKey: string, wrap: WrappedKey, tail: SavedTail | null = null): Promise<void> {
    const row = {
      key_id: wrap.keyId,
      wrapped_key: b64(wrap.wrapped),
      tail_index: tail?.index ?? null,
      tail: tail ? b64(tail.sealed) : null,
      created_at: now(),
    };
    await this.db
      .insertInto('encryption_keys')
      .values({ object_key: objectKey, ...row })
      .onConflict((c) => c.column('object_key').doUpdateSet(row))
      .execute();
  }

  async saveTail(objectKey: string, tail: SavedTail | null): Promise<void> {
    await this.db
      .updateTable('encryption_keys')
      .set({ tail_index: tail?.index ?? null, tail: tail ? b64(tail.sealed) : null })
      .where('object_key', '=', objectKey)
      .execute();
  }

  async remove(objectKey: string): Promise<void> {
    await this.db.deleteFrom('encryption_keys').where('object_key', '=', objectKey).execute();
  }

  /** Forgets the keys of every object under a folder-like prefix (`derived/<fileId>/`), when the folder goes. */
  async removeUnder(prefix: string): Promise<void> {
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    await this.db.deleteFrom('encryption_keys').where(sql<boolean>`object_key like ${pattern} escape '\\'`).execute();
  }

  /** A page of the keys not wrapped by `keyId`, in storage-key order after `after`. */
  async wrappedByOthers(keyId: string, after: string, limit: number): Promise<Array<{ objectKey: string; wrap: WrappedKey }>> {
    const rows = await this.db
      .selectFrom('encryption_keys')
      .select(['object_key', 'key_id', 'wrapped_key'])
      .where('key_id', '!=', keyId)
      .where('object_key', '>', after)
      .orderBy('object_key')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ objectKey: r.object_key, wrap: { keyId: r.key_id, wrapped: bytes(r.wrapped_key) } }));
  }

  /** Replaces a wrap by another of the same data key, unless the row changed meanwhile (then false). */
  async replaceWrap(objectKey: string, from: WrappedKey, to: WrappedKey): Promise<boolean> {
    const result = await this.db
      .updateTable('encryption_keys')
      .set({ key_id: to.keyId, wrapped_key: b64(to.wrapped) })
      .where('object_key', '=', objectKey)
      .where('key_id', '=', from.keyId)
      .where('wrapped_key', '=', b64(from.wrapped))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
