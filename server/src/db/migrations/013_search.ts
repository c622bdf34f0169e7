import type { Kysely } from 'kysely';

/**
 * Search at a million files: a `status` filter walks its own slice of an account newest first (the
 * repository names the column in its ORDER BY to pick this index), instead of scanning every row
 * of the account for a status that few or none have.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('files_owner_status_created').on('files').columns(['owner_id', 'status', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('files_owner_status_created').execute();
}
