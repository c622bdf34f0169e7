import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Deep pages by number without walking the offset: `file_spans` counts each owner's files per
 * month, day and hour of `created_at` (prefixes of its ISO text: 7, 10 and 13 characters), each
 * span a child of the one it lies in (a month's parent is ''). A page at offset N sums a few dozen
 * counts to find the hour holding the Nth newest file, and walks that hour's rows only.
 *
 * Kept in step by triggers in the writing transaction, like 007's counters, so every path that
 * inserts or deletes files counts. Like those counters they assume a file's owner and creation time
 * never change. A span whose files are all gone keeps its row at 0: deleting it would cost every
 * deletion another statement, and a page reads only the spans of one parent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('file_spans')
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('parent', 'text', (c) => c.notNull())
    .addColumn('span', 'text', (c) => c.notNull())
    .addColumn('file_count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('file_spans_pk', ['owner_id', 'parent', 'span'])
    .execute();
  await sql.raw(FILL_FILE_SPANS).execute(db);
  if (db.getExecutor().adapter instanceof PostgresAdapter) await postgresTriggers(db);
  else await sqliteTriggers(db);
}

/** Counts every file into its spans (on an empty `file_spans`): for this migration, and for bulk loads that bypass the triggers. */
export const FILL_FILE_SPANS = `insert into file_spans (owner_id, parent, span, file_count)
  select owner_id, '', substr(created_at, 1, 7), count(*) from files group by owner_id, substr(created_at, 1, 7)
  union all
  select owner_id, substr(created_at, 1, 7), substr(created_at, 1, 10), count(*) from files
    group by owner_id, substr(created_at, 1, 7), substr(created_at, 1, 10)
  union all
  select owner_id, substr(created_at, 1, 10), substr(created_at, 1, 13), count(*) from files
    group by owner_id, substr(created_at, 1, 10), substr(created_at, 1, 13)`;

// Month, day, hour: the same order on insert and deletion, so concurrent writers of one owner lock
// the rows in one order (PostgreSQL), as they already do the owner's row in `users`.
const spans = (row: 'new' | 'old') => [
  [`''`, `substr(${row}.created_at, 1, 7)`],
  [`substr(${row}.created_at, 1, 7)`, `substr(${row}.created_at, 1, 10)`],
  [`substr(${row}.created_at, 1, 10)`, `substr(${row}.created_at, 1, 13)`],
];
const counted = spans('new')
  .map(([parent, span]) => `(new.owner_id, ${parent}, ${span}, 1)`)
  .join(', ');
const uncount = spans('old')
  .map(
    ([parent, span]) => `update file_spans set file_count = file_count - 1 where owner_id = old.owner_id and parent = ${parent} and span = ${span};`,
  )
  .join('\n');

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`create trigger file_spans_after_insert after insert on files begin
      insert into file_spans (owner_id, parent, span, file_count) values ${counted}
        on conflict (owner_id, parent, span) do update set file_count = file_count + 1;
    end`)
    .execute(db);
  await sql.raw(`create trigger file_spans_after_delete after delete on files begin ${uncount} end`).execute(db);
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`create function dropline_file_spans() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into file_spans (owner_id, parent, span, file_count) values ${counted}
          on conflict (owner_id, parent, span) do update set file_count = file_spans.file_count + 1;
        return new;
      end if;
      ${uncount}
      return old;
    end $$`)
    .execute(db);
  await sql`create trigger file_spans after insert or delete on files for each row execute function dropline_file_spans()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger file_spans on files`.execute(db);
    await sql`drop function dropline_file_spans()`.execute(db);
  } else {
    await sql`drop trigger file_spans_after_insert`.execute(db);
    await sql`drop trigger file_spans_after_delete`.execute(db);
  }
  await db.schema.dropTable('file_spans').execute();
}
