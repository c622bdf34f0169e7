import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Search at a million files, continued.
 *
 * Deep pages by number without walking the offset: `file_spans` counts each owner's files per
 * month, day and hour of `created_at` (prefixes of its ISO text: 7, 10 and 13 characters), each
 * span a child of the one it lies in (a month's parent is ''). A page at offset N sums a few dozen
 * counts to find the hour holding the Nth newest file, and walks that hour's rows only.
 *
 * Kept in step by triggers in the writing transaction, like 007's counters, so every path that
 * inserts or deletes files counts. Like those counters they assume a file's owner and creation time
 * never change. A span whose files are all gone keeps its row at 0: deleting it would cost every
 * deletion another statement, and a page reads only the spans of one parent.
 *
 * On PostgreSQL, the trigram indexes cover the names with common separators joined
 * (`JOINED_SEPARATORS`): pg_trgm splits words at every character other than a letter or digit, so
 * `oscar-quebec-1` was looked up as `oscar`, `quebec` and `1`, each common, and a search paid for
 * merging their long lists (20-30 ms at a million files). Joined, the trigrams across a separator
 * (`r q`-like) are rare and narrow the lookup at once. The repository searches the same expression,
 * then tests the exact text.
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
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await postgresTriggers(db);
    await sql`drop index files_filename_trgm`.execute(db);
    await sql`drop index files_title_trgm`.execute(db);
    await sql.raw(`create index files_filename_trgm on files using gin (${joined('filename')} gin_trgm_ops)`).execute(db);
    await sql.raw(`create index files_title_trgm on files using gin (${joined('title')} gin_trgm_ops)`).execute(db);
    // The planner's estimates for the new expressions come from statistics that ANALYZE collects
    // for expression indexes; without them it took a common text for a rare one.
    await sql`analyze files`.execute(db);
  } else {
    await sqliteTriggers(db);
    // The owner's listing index holds the names too, so a short query's window of newest rows is
    // read from the index alone rather than looking up each of its 10,000 rows in the table (half
    // the time at a million files). PostgreSQL gained nothing from the same (INCLUDE): there
    // testing the text costs more than reading the rows.
    await sql`drop index files_owner_created`.execute(db);
    await db.schema.createIndex('files_owner_created').on('files').columns(['owner_id', 'created_at', 'id', 'filename', 'title']).execute();
  }
}

/**
 * The indexed text on PostgreSQL is `translate(lower(x), from, to)`: lower case, with space, '-',
 * '_' and '.' all made a 'z' (a letter, so pg_trgm keeps the words on either side together).
 * Applied to a LIKE pattern it matches whatever the pattern matched (an escaped '_' becomes an
 * escaped 'z'), and more, which the exact test removes.
 */
export const JOINED_SEPARATORS = { from: ' -_.', to: 'zzzz' } as const;
const joined = (column: string) => `translate(lower(${column}), '${JOINED_SEPARATORS.from}', '${JOINED_SEPARATORS.to}')`;

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
    await sql`drop index files_filename_trgm`.execute(db);
    await sql`drop index files_title_trgm`.execute(db);
    await sql`create index files_filename_trgm on files using gin (lower(filename) gin_trgm_ops)`.execute(db);
    await sql`create index files_title_trgm on files using gin (lower(title) gin_trgm_ops)`.execute(db);
  } else {
    await sql`drop trigger file_spans_after_insert`.execute(db);
    await sql`drop trigger file_spans_after_delete`.execute(db);
    await sql`drop index files_owner_created`.execute(db);
    await db.schema.createIndex('files_owner_created').on('files').columns(['owner_id', 'created_at', 'id']).execute();
  }
  await db.schema.dropTable('file_spans').execute();
}
