import type { Kysely } from 'kysely';

// The server's own bookkeeping of tus uploads. It lives here, not in Upload-Metadata, because the
// client's metadata must come back unchanged on HEAD. Portable types only, as in 001.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('uploads')
    // The tus id, which becomes the file's id once the upload is ingested.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    // Set once the file row exists and processing has been handed the file; null means recovery
    // at start still has to look at this upload.
    .addColumn('ingested_at', 'text')
    .execute();
  await db.schema.createIndex('uploads_pending').on('uploads').columns(['ingested_at', 'expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('uploads').execute();
}
