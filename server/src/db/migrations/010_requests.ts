import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * File requests and the file lifecycle.
 *
 * `file_requests` rows are never deleted by their owner, only marked (`deleted_at`), so the files
 * that came through one keep showing where they came from. `files`/`bytes` count the files
 * uploaded through a request; like the account counters (007_admin) a trigger keeps them in step
 * with every path that inserts files. An upload through a request carries the request, the
 * uploader's name and the file's chosen expiry until ingest copies them onto the file.
 *
 * `files.expires_at` is swept by maintenance: the partial index holds only files that will expire,
 * so finding the expired ones never reads the rest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .createTable('file_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The link's capability (>= 128 random bits); shown to its owner in `url`, so stored as it is.
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('max_files', 'bigint')
    .addColumn('max_bytes', 'bigint')
    .addColumn('password_hash', 'text')
    .addColumn('files', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('file_requests_owner_created').on('file_requests').columns(['owner_id', 'created_at', 'id']).execute();

  await db.schema.alterTable('files').addColumn('expires_at', 'text').execute();
  await db.schema
    .alterTable('files')
    .addColumn('request_id', 'text', (c) => c.references('file_requests.id').onDelete('set null'))
    .execute();
  await db.schema.alterTable('files').addColumn('uploader', 'text').execute();
  await db.schema.createIndex('files_expires_at').on('files').columns(['expires_at', 'id']).where(sql.ref('expires_at'), 'is not', null).execute();
  await db.schema.createIndex('files_request').on('files').column('request_id').where(sql.ref('request_id'), 'is not', null).execute();

  await db.schema
    .alterTable('uploads')
    .addColumn('request_id', 'text', (c) => c.references('file_requests.id').onDelete('cascade'))
    .execute();
  await db.schema.alterTable('uploads').addColumn('uploader', 'text').execute();
  // The expiry the file will get (tus metadata `expires` or DEFAULT_FILE_TTL), fixed at creation.
  await db.schema.alterTable('uploads').addColumn('file_expires_at', 'text').execute();
  await db.schema.createIndex('uploads_request').on('uploads').column('request_id').where(sql.ref('request_id'), 'is not', null).execute();

  if (postgres) {
    await sql`create function dropline_request_counters() returns trigger language plpgsql as $$
      begin
        update file_requests set files = files + 1, bytes = bytes + new.size where id = new.request_id;
        return new;
      end $$`.execute(db);
    await sql`create trigger files_request_counters after insert on files
      for each row when (new.request_id is not null) execute function dropline_request_counters()`.execute(db);
  } else {
    await sql`create trigger files_after_insert_request after insert on files when new.request_id is not null begin
        update file_requests set files = files + 1, bytes = bytes + new.size where id = new.request_id;
      end`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres) {
    await sql`drop trigger files_request_counters on files`.execute(db);
    await sql`drop function dropline_request_counters()`.execute(db);
  } else {
    await sql`drop trigger files_after_insert_request`.execute(db);
  }
  await db.schema.dropIndex('uploads_request').execute();
  for (const column of ['file_expires_at', 'uploader', 'request_id']) await db.schema.alterTable('uploads').dropColumn(column).execute();
  await db.schema.dropIndex('files_request').execute();
  await db.schema.dropIndex('files_expires_at').execute();
  for (const column of ['uploader', 'request_id', 'expires_at']) await db.schema.alterTable('files').dropColumn(column).execute();
  await db.schema.dropTable('file_requests').execute();
}
