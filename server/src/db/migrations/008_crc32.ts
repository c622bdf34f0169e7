import type { Kysely } from 'kysely';

/**
 * The CRC-32 of every file, so a ZIP of stored files can put it in each local header before the
 * file's bytes (no data descriptors) and know the archive's exact length up front. It is computed
 * while the bytes arrive, beside the running SHA-256: `uploads.crc32` is the CRC of the upload's
 * first `hash_offset` bytes (saved with `hash_state`), `files.crc32` the finished value. Files from
 * before this migration have none until one is computed from their bytes. bigint, because the
 * value is unsigned 32-bit and PostgreSQL's integer is signed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('uploads').addColumn('crc32', 'bigint').execute();
  await db.schema.alterTable('files').addColumn('crc32', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('files').dropColumn('crc32').execute();
  await db.schema.alterTable('uploads').dropColumn('crc32').execute();
}
