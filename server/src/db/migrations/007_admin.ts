import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Administration, quotas, audit and search at scale.
 *
 * Counters (`users.files_bytes`, `users.file_count`, `users.reserved_bytes`) and the search index
 * are kept in step by triggers, so every path that writes files or uploads (ingest, deletion,
 * expiry, a cascade from a deleted user, code added later) updates them in the same transaction,
 * and nothing counts a million rows per request. `reserved_bytes` sums the reservations of
 * unfinished uploads (`uploads.reserved_bytes`); a file's insert releases its upload's reservation
 * as it adds the file's size, and the quota covers both.
 *
 * The search index is engine-specific by nature: SQLite FTS5 with the trigram tokenizer (keyed by
 * the files table's rowid, which SQLite keeps unless someone runs VACUUM by hand), and pg_trgm GIN
 * indexes on PostgreSQL, which serve the same `lower(x) like` the repository already writes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .alterTable('users')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // null: DEFAULT_QUOTA_BYTES applies.
  await db.schema.alterTable('users').addColumn('quota_bytes', 'bigint').execute();
  await db.schema
    .alterTable('users')
    .addColumn('files_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('users')
    .addColumn('file_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('users')
    .addColumn('reserved_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('uploads')
    .addColumn('reserved_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update users set
      files_bytes = coalesce((select sum(size) from files where files.owner_id = users.id), 0),
      file_count = (select count(*) from files where files.owner_id = users.id)`.execute(db);

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    // No foreign key: the trail outlives the accounts it mentions; the email is kept for that.
    .addColumn('actor_id', 'text')
    .addColumn('actor_email', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_log_actor_at').on('audit_log').columns(['actor_id', 'at', 'id']).execute();
  await db.schema.createIndex('audit_log_action_at').on('audit_log').columns(['action', 'at', 'id']).execute();

  // Type filters: an exact type or a prefix range, newest first within one owner.
  await db.schema.createIndex('files_owner_type_created').on('files').columns(['owner_id', 'mime_type', 'created_at', 'id']).execute();
  await db.schema.createIndex('users_created').on('users').columns(['created_at', 'id']).execute();

  if (postgres) await postgresParts(db);
  else await sqliteParts(db);
}

async function sqliteParts(db: Kysely<unknown>): Promise<void> {
  // Contentless: the text lives in `files` only; contentless_delete lets triggers remove rows by rowid.
  await sql`create virtual table files_fts using fts5(filename, title, content='', contentless_delete=1, tokenize='trigram')`.execute(db);
  await sql`insert into files_fts(rowid, filename, title) select rowid, filename, coalesce(title, '') from files`.execute(db);
  await sql`create trigger files_after_insert after insert on files begin
      update users set files_bytes = files_bytes + new.size, file_count = file_count + 1 where id = new.owner_id;
      update uploads set reserved_bytes = 0 where id = new.id and reserved_bytes <> 0;
      insert into files_fts(rowid, filename, title) values (new.rowid, new.filename, coalesce(new.title, ''));
    end`.execute(db);
  await sql`create trigger files_after_delete after delete on files begin
      update users set files_bytes = files_bytes - old.size, file_count = file_count - 1 where id = old.owner_id;
      delete from files_fts where rowid = old.rowid;
    end`.execute(db);
  await sql`create trigger files_after_rename after update of filename, title on files begin
      delete from files_fts where rowid = old.rowid;
      insert into files_fts(rowid, filename, title) values (new.rowid, new.filename, coalesce(new.title, ''));
    end`.execute(db);
  await sql`create trigger uploads_after_insert after insert on uploads when new.reserved_bytes <> 0 begin
      update users set reserved_bytes = reserved_bytes + new.reserved_bytes where id = new.owner_id;
    end`.execute(db);
  await sql`create trigger uploads_after_reserve after update of reserved_bytes on uploads begin
      update users set reserved_bytes = reserved_bytes + new.reserved_bytes - old.reserved_bytes where id = new.owner_id;
    end`.execute(db);
  await sql`create trigger uploads_after_delete after delete on uploads when old.reserved_bytes <> 0 begin
      update users set reserved_bytes = reserved_bytes - old.reserved_bytes where id = old.owner_id;
    end`.execute(db);
}

async function postgresParts(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index files_filename_trgm on files using gin (lower(filename) gin_trgm_ops)`.execute(db);
  await sql`create index files_title_trgm on files using gin (lower(title) gin_trgm_ops)`.execute(db);
  await sql`create function dropline_files_counters() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        update users set files_bytes = files_bytes + new.size, file_count = file_count + 1 where id = new.owner_id;
        update uploads set reserved_bytes = 0 where id = new.id and reserved_bytes <> 0;
        return new;
      end if;
      update users set files_bytes = files_bytes - old.size, file_count = file_count - 1 where id = old.owner_id;
      return old;
    end $$`.execute(db);
  await sql`create trigger files_counters after insert or delete on files for each row execute function dropline_files_counters()`.execute(db);
  await sql`create function dropline_upload_reservations() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        update users set reserved_bytes = reserved_bytes + new.reserved_bytes where id = new.owner_id and new.reserved_bytes <> 0;
        return new;
      elsif tg_op = 'UPDATE' then
        update users set reserved_bytes = reserved_bytes + new.reserved_bytes - old.reserved_bytes
          where id = new.owner_id and new.reserved_bytes <> old.reserved_bytes;
        return new;
      end if;
      update users set reserved_bytes = reserved_bytes - old.reserved_bytes where id = old.owner_id and old.reserved_bytes <> 0;
      return old;
    end $$`.execute(db);
  await sql`create trigger uploads_reservations after insert or update of reserved_bytes or delete on uploads
    for each row execute function dropline_upload_reservations()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres) {
    await sql`drop trigger uploads_reservations on uploads`.execute(db);
    await sql`drop trigger files_counters on files`.execute(db);
    await sql`drop function dropline_upload_reservations()`.execute(db);
    await sql`drop function dropline_files_counters()`.execute(db);
    await sql`drop index files_title_trgm`.execute(db);
    await sql`drop index files_filename_trgm`.execute(db);
  } else {
    for (const trigger of [
      'files_after_insert',
      'files_after_delete',
      'files_after_rename',
      'uploads_after_insert',
      'uploads_after_reserve',
      'uploads_after_delete',
    ]) {
      await sql`drop trigger ${sql.id(trigger)}`.execute(db);
    }
    await sql`drop table files_fts`.execute(db);
  }
  await db.schema.dropIndex('users_created').execute();
  await db.schema.dropIndex('files_owner_type_created').execute();
  await db.schema.dropTable('audit_log').execute();
  await db.schema.alterTable('uploads').dropColumn('reserved_bytes').execute();
  for (const column of ['reserved_bytes', 'file_count', 'files_bytes', 'quota_bytes', 'disabled']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}
