import type { Kysely } from 'kysely';

/**
 * Public links to files. A share belongs to its owner (gone with the account); its files are rows
 * of `share_files`, which a deleted file leaves by cascade, so no path that deletes files (DELETE,
 * expiry, an account's removal) has to know about shares. Revoking a share deletes its row: the
 * link is unknown from that statement on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('shares')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The link's secret (128 random bits, base64url); kept as is because the owner is shown the link again.
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('note', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('max_downloads', 'bigint')
    .addColumn('downloads', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shares_owner_created').on('shares').columns(['owner_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('share_files')
    .addColumn('share_id', 'text', (c) => c.notNull().references('shares.id').onDelete('cascade'))
    .addColumn('file_id', 'text', (c) => c.notNull().references('files.id').onDelete('cascade'))
    // The order the owner gave the files in: the page and the ZIP list them so.
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('share_files_pk', ['share_id', 'file_id'])
    .execute();
  // A file's deletion finds its share rows by this index instead of scanning them all.
  await db.schema.createIndex('share_files_file').on('share_files').column('file_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('share_files').execute();
  await db.schema.dropTable('shares').execute();
}
