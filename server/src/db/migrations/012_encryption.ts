import type { Kysely } from 'kysely';

/**
 * Encryption at rest: one row per encrypted stored object (an upload's data, a derived file), named
 * by its storage key. The object's random data key is kept wrapped by a master key, whose id says
 * which one, so a rotation re-wraps rows here and never touches the stored bytes. An unfinished
 * upload's last, partial chunk waits here too, sealed under the data key, until more bytes
 * complete it. Objects stored without encryption have no row. Portable types only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('encryption_keys')
    .addColumn('object_key', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull())
    // nonce | wrapped data key | tag, base64.
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    // The sealed tail (base64) and the chunk index it will become; null when there is none.
    .addColumn('tail_index', 'bigint')
    .addColumn('tail', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // rewrap-keys finds the rows under other master keys.
  await db.schema.createIndex('encryption_keys_key_id').on('encryption_keys').columns(['key_id', 'object_key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('encryption_keys').execute();
}
