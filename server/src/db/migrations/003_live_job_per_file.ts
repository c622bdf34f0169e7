import { sql, type Kysely } from 'kysely';

// At most one queued or running job per file, whichever node schedules it. Partial indexes exist in
// both SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('jobs_one_live_per_file')
    .on('jobs')
    .column('file_id')
    .unique()
    .where(sql.ref('state'), 'in', sql`('queued', 'processing')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_one_live_per_file').execute();
}
