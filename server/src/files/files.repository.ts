import { FILE_STATUSES } from '@dropline/contract';
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { MetadataCache } from '../cache/metadataCache.js';
import type { Cursor } from '../db/cursor.js';
import { insertIfAbsent, type Db } from '../db/database.js';
import { JOINED_SEPARATORS } from '../db/migrations/014_search_scale.js';
import type { Database, FileRow, FileStatus, FileUpdate, NewFile } from '../db/schema.js';

/** A file row with its owner's email and display name, and the title of the file request it came through: what every File view carries. */
export type FileRecord = FileRow & { owner_email: string; owner_display_name: string; request_title: string | null };

/** Which files a listing shows. Dates are ISO text, compared as text like every stored timestamp. */
export interface FileFilter {
  /** null: everyone's files (admins with `owner=all`). */
  ownerId: string | null;
  text: string | null;
  mimeType: string | null;
  mimePrefix: string | null;
  status: FileStatus | null;
  createdFrom: string | null;
  /** Exclusive upper bound. */
  createdBefore: string | null;
}

type FilesEb = ExpressionBuilder<Database & { f: Database['files'] }, 'f'>;

export type Engine = 'sqlite' | 'postgres';

/** Below this many characters no trigram exists, so no index can answer: the windowed scan does. */
export const MIN_INDEXED_QUERY = 3;
/** Rows a short-query page examines at most; the page's cursor continues after them. */
export const SHORT_QUERY_WINDOW = 10_000;
/**
 * Page totals count at most this many rows; beyond it the total is given as a lower bound (as
 * search products say "1,000+"): every filtered count then costs at most this many row reads.
 */
export const COUNT_CAP = 1_000;
/**
 * With at least this many index candidates a match is common, and walking the newest-first index
 * while checking each row finds a page sooner than fetching and sorting every candidate.
 */
const DENSE_MATCHES = 2_000;
/**
 * A text search with other filters on PostgreSQL first looks for its page among this many of the
 * newest rows per row it wants (see `denseMatches`): a text in 2% of the rows the filters pass
 * fills it there. A rarer text costs that walk before the trigram index answers; its rows are read
 * through the filters too (3.5 rows per window row for `image/`), so the window is kept small:
 * 1,050 rows for a page of 20, where the bench's `oscar` in a month of images needs 282.
 */
const DENSE_ROWS_PER_MATCH = 50;
/**
 * From this offset on, a page of one owner's unfiltered files is found through the per-hour counts
 * of `file_spans` (a few small reads) rather than by walking the offset through the index.
 */
const DEEP_OFFSET = 1_000;

// Portable SQL only: `lower() like lower()` with an explicit escape character behaves the same on
// SQLite and PostgreSQL (SQLite folds ASCII letters only).
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * How the text condition is answered: the exact LIKE always decides. On SQLite, `phrase` is the FTS
 * query, and `candidates` the rowids it found when they are few (looked up once, not again in the
 * listing); null when they are many, or on PostgreSQL, whose planner weighs the trigram index itself.
 */
interface TextPlan {
  phrase: string | null;
  candidates: number[] | null;
}

const NO_TEXT: TextPlan = { phrase: null, candidates: null };

const queryLength = (text: string) => Array.from(text).length;

/** A text as one FTS5 string: a phrase of its trigrams. */
const ftsString = (text: string) => `"${text.replaceAll('"', '""')}"`;

const WORD_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * The trigrams of a text that bridge two words: a letter or digit, a separator (space, '-', '_' or
 * '.', those PostgreSQL's trigram indexes join: see JOINED_SEPARATORS), a letter or digit (`o-c` of
 * `alpha-bravo-charlie`). Names are words joined by separators, and a pair of words meets far more
 * rarely than each word comes, while both indexes read the whole list of every trigram a text
 * holds: a text whose every word is common (the hardest miss) took 16 ms on SQLite's FTS5 and
 * 10 ms on pg_trgm at a million files, and 0.9 and 0.6 ms looked up by its two bridging trigrams.
 */
function bridgeTrigrams(text: string): string[] {
  const chars = Array.from(text);
  const found = new Set<string>();
  for (let i = 1; i + 1 < chars.length; i++) {
    if (WORD_CHARACTER.test(chars[i - 1]!) && JOINED_SEPARATORS.from.includes(chars[i]!) && WORD_CHARACTER.test(chars[i + 1]!)) {
      found.add(chars.slice(i - 1, i + 2).join(''));
    }
  }
  return [...found];
}
const isAscii = (text: string) => !/[^\u0000-\u007f]/.test(text);

/**
 * Case-insensitive substring of the filename or the title (of the rows `table` names): the exact test
 * every text search ends with. On SQLite a text beyond ASCII folds with `unicode_lower` (see
 * openDatabase), as SQLite's lower() leaves such letters alone; an ASCII text needs no folding, as
 * SQLite's LIKE itself ignores the case of ASCII letters. On PostgreSQL a text long enough for
 * trigrams also names the expression the trigram indexes hold (see 014_search_scale), for the
 * planner to look it up there; the exact test is then written with strpos, which the planner
 * does not count as a second LIKE as selective as the first (it took 'photo', in 5% of the
 * names, for a text in 0.01% of them, and sorted 46,000 rows). An ASCII text is tested against the
 * names folded under the "C" collation, as SQLite's LIKE folds them: only ASCII letters change
 * case, which loses no match (a letter beyond ASCII matches no ASCII one either way), and costs a
 * byte loop where the database's own collation takes every name to wide characters and back.
 */
const joined = (text: Expression<unknown>) =>
  sql<string>`translate(lower(${text}), ${sql.lit(JOINED_SEPARATORS.from)}, ${sql.lit(JOINED_SEPARATORS.to)})`;

function textMatches(engine: Engine, text: string, table: 'f' | 'w' = 'f') {
  const pattern = `%${escapeLike(text)}%`;
  const column = (name: 'filename' | 'title') => sql.ref(`${table}.${name}`);
  if (engine === 'postgres') {
    const indexed = queryLength(text) >= MIN_INDEXED_QUERY;
    const ascii = isAscii(text);
    // What the trigram index looks up: the words' meeting points when the text has some (see
    // bridgeTrigrams), else the whole text.
    const bridges = bridgeTrigrams(text);
    const lookups = bridges.length > 0 ? bridges.map((bridge) => `%${escapeLike(bridge)}%`) : [pattern];
    // JavaScript's toLowerCase of an ASCII text is that fold too.
    const fold = (name: 'filename' | 'title') => (ascii ? sql`lower(${column(name)} collate "C")` : sql`lower(${column(name)})`);
    const folded = (value: string) => (ascii ? sql`${value.toLowerCase()}` : sql`lower(${value})`);
    const one = (name: 'filename' | 'title') =>
      indexed
        ? sql<SqlBool>`(strpos(${fold(name)}, ${folded(text)}) > 0 and ${sql.join(
            lookups.map((like) => sql`${joined(column(name))} like ${joined(sql`${like}`)} escape '\\'`),
            sql` and `,
          )})`
        : sql<SqlBool>`${fold(name)} like ${folded(pattern)} escape '\\'`;
    return sql<SqlBool>`(${one('filename')} or ${one('title')})`;
  }
  if (!isAscii(text)) {
    return sql<SqlBool>`(unicode_lower(${column('filename')}) like unicode_lower(${pattern}) escape '\\' or unicode_lower(${column('title')}) like unicode_lower(${pattern}) escape '\\')`;
  }
  return sql<SqlBool>`(${column('filename')} like ${pattern} escape '\\' or ${column('title')} like ${pattern} escape '\\')`;
}

/** Nothing but the owner (and perhaps a text) filtered. */
const onlyOwner = (f: FileFilter) =>
  f.mimeType === null && f.mimePrefix === null && f.status === null && f.createdFrom === null && f.createdBefore === null;

const unfiltered = (f: FileFilter) => f.text === null && onlyOwner(f);

type FixedColumn = 'f.owner_id' | 'f.mime_type' | 'f.status';

/**
 * The columns a listing fixes and names first in its ORDER BY, so the order is that of one composite
 * index: (owner, created_at, id), or (owner, mime_type|status, created_at, id) when the type or the
 * status is fixed as well. With a text search alone only the owner: PostgreSQL then weighs the
 * trigram index against walking the owner's files newest first (for a common text, a few hundred
 * rows), where it otherwise walked (created_at, id) past every newer file of other owners. Not with
 * a text search and other filters: there its estimate of the owner range misled it into combining
 * bitmaps, and it chooses well when left to.
 */
function fixedColumns(filter: FileFilter, plan: TextPlan = NO_TEXT): Array<[FixedColumn, string]> {
  if (filter.ownerId === null || plan.candidates !== null) return [];
  if (filter.text !== null) return onlyOwner(filter) ? [['f.owner_id', filter.ownerId]] : [];
  const second: Array<[FixedColumn, string]> =
    filter.mimeType !== null ? [['f.mime_type', filter.mimeType]] : filter.status !== null ? [['f.status', filter.status]] : [];
  return [['f.owner_id', filter.ownerId], ...second];
}

function matching(engine: Engine, filter: FileFilter, plan: TextPlan = NO_TEXT, rowDates = false) {
  return (eb: FilesEb): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [];
    const fixed = fixedColumns(filter, plan);
    // On PostgreSQL written as a range, not `=`: it drops a column fixed by `=` from the ORDER BY as
    // constant, and then walks the (created_at, id) index past other accounts' rows one by one
    // (its match with the table's physical order makes that look cheap). A range keeps the column
    // in the order, which only the composite index delivers without sorting. SQLite keeps `=`: it
    // orders by the index either way, and uses no column of an index after one given as a range.
    for (const [column, value] of fixed) {
      conditions.push(engine === 'postgres' ? eb.and([eb(column, '>=', value), eb(column, '<=', value)]) : eb(column, '=', value));
    }
    if (filter.ownerId !== null && fixed.length === 0) {
      // With the FTS index's few candidates (SQLite only), the rows are looked up by rowid and
      // sorted; SQLite's unary + (here and in the owner join) keeps the owner's index, which also
      // holds the names, from looking cheaper to walk in order (900,000 rows tested for 79
      // matches: 180 ms, not 0.5).
      conditions.push(plan.candidates !== null ? sql<SqlBool>`+${sql.ref('f.owner_id')} = ${filter.ownerId}` : eb('f.owner_id', '=', filter.ownerId));
    }
    if (filter.text !== null) {
      if (plan.candidates !== null) conditions.push(sql<SqlBool>`${sql.ref('f.rowid')} in (${sql.join(plan.candidates)})`);
      conditions.push(textMatches(engine, filter.text));
    }
    if (filter.mimeType !== null && !fixed.some(([c]) => c === 'f.mime_type')) conditions.push(eb('f.mime_type', '=', filter.mimeType));
    if (filter.mimePrefix !== null) {
      conditions.push(sql<SqlBool>`${sql.ref('f.mime_type')} like ${`${escapeLike(filter.mimePrefix)}%`} escape '\\'`);
    }
    if (filter.status !== null && !fixed.some(([c]) => c === 'f.status')) conditions.push(eb('f.status', '=', filter.status));
    // `rowDates` (PostgreSQL, a dense window: see `denseMatches`): with fixed columns, the dates are
    // bounds of a row value that starts with them, (owner, created_at) >= (x, from). Its leading
    // column makes it a bound of the composite index at either end, where `created_at >= from`
    // after a range on the owner did not end a walk newest first: it went on past `from` through
    // every older file of the owner (or the planner, expecting that, sorted the whole month: 210
    // ms). Nor can the planner take the (created_at, id) index instead: given `owner = x` and
    // 2023-2024 it did, and walked 100,000 newer files of other accounts before this one's. Not
    // elsewhere: the planner estimates a row value's selectivity from its first column alone, and
    // for a 10,000-row window or a count it then sorted a bitmap of all the owner's files (1 s).
    const dates = (op: '>=' | '<', value: string) =>
      rowDates && fixed.length > 0
        ? sql<SqlBool>`(${sql.join([...fixed.map(([column]) => sql.ref(column)), sql.ref('f.created_at')])}) ${sql.raw(op)} (${sql.join([...fixed.map(([, v]) => v), value])})`
        : eb('f.created_at', op, value);
    if (filter.createdFrom !== null) conditions.push(dates('>=', filter.createdFrom));
    if (filter.createdBefore !== null) conditions.push(dates('<', filter.createdBefore));
    return eb.and(conditions);
  };
}

// Row values, not `a < x or (a = x and b < y)`: both engines bound the index range with them, where
// the `or` form walked every newer row first (SQLite, and PostgreSQL for deep positions).
/** The rows after `cursor` in the listing's order. */
const after = (cursor: Cursor) => (eb: FilesEb) => eb(eb.refTuple('f.created_at', 'f.id'), '<', eb.tuple(cursor.createdAt, cursor.id));

/** The columns a listing is ordered by: those `fixed` (see `fixedColumns`), then creation and id. */
const orderKeys = (fixed: Array<[FixedColumn, string]>) => [...fixed.map(([column]) => column), 'f.created_at' as const, 'f.id' as const];

/** In the order of the composite index that `fixedColumns` picks, newest first unless `asc`. */
function keyOrder<Q extends { orderBy(expression: Expression<unknown>): Q }>(
  query: Q,
  filter: FileFilter,
  direction: 'asc' | 'desc',
  plan: TextPlan = NO_TEXT,
): Q {
  return orderKeys(fixedColumns(filter, plan)).reduce((q, column) => q.orderBy(sql`${sql.ref(column)} ${sql.raw(direction)}`), query);
}

const newestFirst = <Q extends { orderBy(expression: Expression<unknown>): Q }>(query: Q, filter: FileFilter, plan: TextPlan = NO_TEXT): Q =>
  keyOrder(query, filter, 'desc', plan);

/** A short query's rows before the text is tested: they walk the index the filters alone pick. */
const withoutText = (f: FileFilter): FileFilter => ({ ...f, text: null });

const fileKey = (id: string) => `file:${id}`;

export class FilesRepository {
  constructor(
    private readonly db: Db,
    private readonly engine: Engine,
    /** Every write below invalidates the file's entry once it has committed. */
    private readonly cache: MetadataCache,
  ) {}

  /** Whether a text search is short (no trigram to look up), and on SQLite, which rows the FTS index leaves. */
  private async textPlan(filter: FileFilter): Promise<TextPlan & { short: boolean }> {
    if (filter.text === null) return { ...NO_TEXT, short: false };
    if (queryLength(filter.text) < MIN_INDEXED_QUERY) return { ...NO_TEXT, short: true };
    if (this.engine !== 'sqlite') return { ...NO_TEXT, short: false };
    const phrase = ftsString(filter.text);
    const lookUp = async (query: string) =>
      (await sql<{ rowid: number }>`select rowid from files_fts where files_fts match ${query} limit ${DENSE_MATCHES}`.execute(this.db)).rows;
    // A few rare trigrams first (see bridgeTrigrams): when they leave few rows, those are the
    // candidates, a superset of the phrase's that the exact test narrows.
    const bridges = bridgeTrigrams(filter.text);
    if (bridges.length > 0) {
      const rows = await lookUp(bridges.map(ftsString).join(' AND '));
      if (rows.length < DENSE_MATCHES) return { phrase, candidates: rows.map((r) => r.rowid), short: false };
    }
    const rows = await lookUp(phrase);
    return { phrase, candidates: rows.length < DENSE_MATCHES ? rows.map((r) => r.rowid) : null, short: false };
  }

  /** Files with their owner; `byRowid`: the files are looked up by rowid, never through the owner (see `matching`). */
  private withOwner(db: Db = this.db, byRowid = false) {
    return db
      .selectFrom('files as f')
      .innerJoin('users as u', (join) =>
        byRowid ? join.on(sql<SqlBool>`${sql.ref('u.id')} = +${sql.ref('f.owner_id')}`) : join.onRef('u.id', '=', 'f.owner_id'),
      )
      .leftJoin('file_requests as r', 'r.id', 'f.request_id')
      .selectAll('f')
      .select(['u.email as owner_email', 'u.display_name as owner_display_name', 'r.title as request_title']);
  }

  private listing(filter: FileFilter, plan?: TextPlan, db: Db = this.db) {
    return newestFirst(this.withOwner(db, plan?.candidates != null).where(matching(this.engine, filter, plan)), filter, plan);
  }

  /**
   * The newest `size` rows after `cursor` that pass every filter but the text, so the text is tested
   * on them alone. A derived table with its own LIMIT, which neither planner can merge with the
   * outer query; only the columns the text test and the order need (whole rows cost twice the time
   * to carry through 10,000 rows). `dense` (see `denseMatches`): each row also has its place `n` in
   * the window (`row_number()` in the window's own order, counted as the rows stream), and the dates
   * bound the index as row values (see `matching`).
   */
  private window(filter: FileFilter, cursor: Cursor | null, size: number, dense = false) {
    const rest = withoutText(filter);
    const keys = orderKeys(fixedColumns(rest));
    const window = this.db
      .selectFrom('files as f')
      .select([...keys, 'f.filename', 'f.title'])
      .$if(dense, (qb) =>
        qb.select(sql<number>`row_number() over (order by ${sql.join(keys.map((column) => sql`${sql.ref(column)} desc`))})`.as('n')),
      )
      .where(matching(this.engine, rest, NO_TEXT, dense))
      .$if(cursor !== null, (qb) => qb.where(after(cursor!)));
    return newestFirst(window, rest).limit(size).as('w');
  }

  /**
   * The rows of a window of `size` (see `window`) that hold the text, `limit` of them after
   * `offset`, with their owner, newest first; and `edge`, the window's last row, when the window
   * was full and fewer than `limit` were found: the rows after it were not examined. The matches
   * are limited in the window's own order, so PostgreSQL stops walking at the last one needed (in
   * (created_at, id) order it sorted every match of the window first), and before whole rows are
   * read for them. `dense` (PostgreSQL only): the edge comes with the matches (`or n = size`).
   * Asked for separately, for a window of a type prefix and dates the planner took an index-only
   * walk of the type index and sorted the owner's 256,000 images to find the 1,050th (370 ms).
   * Numbering costs about as much as testing the text (4 ms for 10,000 rows, against 1.5 ms for
   * the separate query; on SQLite three times that), so a short query's window is not numbered.
   */
  private async windowMatches(
    filter: FileFilter,
    cursor: Cursor | null,
    size: number,
    limit: number,
    offset = 0,
    dense = false,
  ): Promise<{ rows: FileRecord[]; edge: Cursor | null }> {
    const text = textMatches(this.engine, filter.text!, 'w');
    const matches = orderKeys(fixedColumns(withoutText(filter)))
      .reduce(
        (q, column) => q.orderBy(sql`${sql.ref(column.replace('f.', 'w.'))} desc`),
        this.db
          .selectFrom(this.window(filter, cursor, size, dense))
          .select(['w.id', 'w.created_at'])
          .$if(dense, (qb) => qb.select([sql<number>`w.n`.as('n'), sql<boolean>`${text}`.as('hit')]))
          .where(dense ? sql<SqlBool>`(${text} or w.n = ${size})` : text),
      )
      .limit(dense ? offset + limit : limit)
      .offset(dense ? 0 : offset)
      .as('m');
    // Ordered by the matches' columns: ordered by the files', SQLite walked all of them in that order.
    const found = await this.withOwner()
      .innerJoin(matches, 'm.id', 'f.id')
      .$if(dense, (qb) => qb.select(['m.n', 'm.hit']))
      .orderBy('m.created_at', 'desc')
      .orderBy('m.id', 'desc')
      .execute();
    if (!dense) return { rows: found, edge: found.length < limit ? await this.windowEdge(filter, cursor, size) : null };
    const hits = found.filter((row) => row.hit).map(({ n: _n, hit: _hit, ...row }) => row);
    const last = found.find((row) => Number(row.n) === size);
    return {
      rows: hits.slice(offset),
      edge: last !== undefined && hits.length < offset + limit ? { createdAt: last.created_at, id: last.id } : null,
    };
  }

  /** The last row of a window of `size` (see `window`), when it is full. */
  private async windowEdge(filter: FileFilter, cursor: Cursor | null, size: number): Promise<Cursor | null> {
    const edge = await newestFirst(
      this.db
        .selectFrom('files as f')
        .select(['f.created_at', 'f.id'])
        .where(matching(this.engine, withoutText(filter)))
        .$if(cursor !== null, (qb) => qb.where(after(cursor!))),
      withoutText(filter),
    )
      .offset(size - 1)
      .limit(1)
      .executeTakeFirst();
    return edge ? { createdAt: edge.created_at, id: edge.id } : null;
  }

  /**
   * How many files are in each status (for metrics): the unprocessed ones from their partial index
   * (015), `processed` as the counted total less those, so a scrape reads no more rows than there
   * are files in flight. The two reads are not one snapshot; a file finishing between them is off
   * by one for one scrape.
   */
  async countByStatus(): Promise<Record<FileStatus, number>> {
    const [rows, total] = await Promise.all([
      this.db
        .selectFrom('files')
        .select(['status', (eb) => eb.fn.countAll<string | number>().as('count')])
        // A literal, not a parameter: only then may the planner use the partial index.
        .where(sql<SqlBool>`status <> ${sql.lit('processed')}`)
        .groupBy('status')
        .execute(),
      this.countAll(null),
    ]);
    const counts = Object.fromEntries(FILE_STATUSES.map((s) => [s, 0])) as Record<FileStatus, number>;
    for (const row of rows) counts[row.status] = Number(row.count);
    counts.processed = Math.max(0, total - rows.reduce((sum, row) => sum + Number(row.count), 0));
    return counts;
  }

  find(id: string): Promise<FileRecord | undefined> {
    return this.cache.get(fileKey(id), () => this.withOwner().where('f.id', '=', id).executeTakeFirst());
  }

  /** Inserts unless a file with this id exists; returns whether this call inserted it (and then wrote `alsoWrite` with it). */
  insertIfAbsent(file: NewFile, alsoWrite?: (db: Db) => Promise<void>): Promise<boolean> {
    return insertIfAbsent(this.db, 'files', file, 'id', alsoWrite);
  }

  private invalidate(id: string): Promise<void> {
    return this.cache.invalidate(fileKey(id));
  }

  /**
   * Newest first, strictly after `cursor`; asks for one more than `limit` so the caller knows if
   * more follow. A short text query (no trigram to look up) examines at most SHORT_QUERY_WINDOW
   * rows: `scannedTo` is then the last row it examined, where the next page continues, so every
   * request stays bounded even when nothing matches.
   */
  async listAfter(filter: FileFilter, cursor: Cursor | null, limit: number): Promise<{ rows: FileRecord[]; scannedTo: Cursor | null }> {
    const plan = await this.textPlan(filter);
    if (plan.candidates?.length === 0) return { rows: [], scannedTo: null };
    if (plan.short) {
      const { rows, edge } = await this.windowMatches(filter, cursor, SHORT_QUERY_WINDOW, limit + 1);
      return { rows, scannedTo: edge };
    }
    const dense = await this.denseMatches(filter, cursor, limit + 1);
    if (dense) return { rows: dense, scannedTo: null };
    const rows = await this.listing(filter, plan)
      .$if(cursor !== null, (qb) => qb.where(after(cursor!)))
      .limit(limit + 1)
      .execute();
    return { rows, scannedTo: null };
  }

  /**
   * PostgreSQL, a text search with other filters (type, status, dates): the page when the text is
   * common enough to fill it from the newest rows those filters pass (DENSE_ROWS_PER_MATCH per row
   * wanted; or they pass no more), else null, and the trigram index answers. Left to choose, the
   * planner weighed the two by its estimate of how many rows match the text and every filter,
   * which moves with each ANALYZE's sample: for `oscar` (5% of names) with a month and `image/` it
   * switched between walking the month newest first (21 matches in ~1,100 rows, 1 ms) and joining
   * the trigram index's 49,000 rows with the month's 42,000 in bitmaps (30-40 ms), run to run. The
   * window walks the index the filters pick, tests the text on each row and stops at the page's
   * end; a rare text costs the window before the trigram path.
   */
  private async denseMatches(filter: FileFilter, cursor: Cursor | null, limit: number, offset = 0): Promise<FileRecord[] | null> {
    const size = DENSE_ROWS_PER_MATCH * (offset + limit);
    if (this.engine !== 'postgres' || filter.text === null || onlyOwner(filter) || size > SHORT_QUERY_WINDOW) return null;
    const { rows, edge } = await this.windowMatches(filter, cursor, size, limit, offset, true);
    return edge === null ? rows : null;
  }

  /**
   * One page by number. The total comes from the per-owner counters when nothing but the owner is
   * filtered, else from a count that stops at COUNT_CAP (`exact` false beyond it); a short query
   * looks at the newest SHORT_QUERY_WINDOW rows only (`exact` false when there were more). Pages
   * past a known end are answered without reading rows; deep pages of one owner's files are found
   * through `file_spans`, other deep pages without a text search skip through a composite index
   * (covering for the plain listing) before reading the rows they show.
   */
  async page(filter: FileFilter, offset: number, limit: number): Promise<{ rows: FileRecord[]; total: number; exact: boolean }> {
    if (unfiltered(filter) && filter.ownerId !== null && offset >= DEEP_OFFSET) return this.deepPage(filter, filter.ownerId, offset, limit);
    const plan = await this.textPlan(filter);
    if (plan.short) return this.shortPage(filter, offset, limit);
    if (plan.candidates?.length === 0) return { rows: [], total: 0, exact: true };
    const counted = unfiltered(filter) ? this.countAll(filter.ownerId).then((total) => ({ total, exact: true })) : this.cappedCount(filter, plan);
    // Within the count's reach the rows cost no more than the count, so both are asked at once (one
    // wait for the database instead of two, which on a busy server is most of a request's time);
    // further on, the rows are read only once the count says the page is not past the end.
    const early = offset < COUNT_CAP ? this.pageRows(filter, plan, offset, limit) : null;
    early?.catch(() => {});
    const { total, exact } = await counted;
    if (exact && offset >= total) return { rows: [], total, exact };
    return { rows: await (early ?? this.pageRows(filter, plan, offset, limit)), total, exact };
  }

  private async pageRows(filter: FileFilter, plan: TextPlan, offset: number, limit: number): Promise<FileRecord[]> {
    if (filter.text !== null)
      return (await this.denseMatches(filter, null, limit, offset)) ?? (await this.listing(filter, plan).limit(limit).offset(offset).execute());
    return newestFirst(
      this.withOwner().where(
        'f.id',
        'in',
        newestFirst(this.db.selectFrom('files as f').select('f.id').where(matching(this.engine, filter)), filter)
          .limit(limit)
          .offset(offset),
      ),
      filter,
    ).execute();
  }

  /**
   * The owner's months, then that month's days, then that day's hours, are summed newest first to
   * find the hour holding the row at `offset`; that hour's rows are walked oldest first to reach it
   * (bounded by the files of one hour, not by the offset), and the page read from there on in the
   * listing's order. All of it is one statement, so the counts describe the rows read (a statement
   * sees one snapshot on either database) and the database is waited for once, where a transaction
   * around a query per step waited seven times. Only a page past the end, which has no row to carry
   * the total, asks once more.
   */
  private async deepPage(
    filter: FileFilter,
    ownerId: string,
    offset: number,
    limit: number,
  ): Promise<{ rows: FileRecord[]; total: number; exact: boolean }> {
    // One level of spans under `parent`, each with `upto`: the files in it and the newer spans.
    const level = (parent: RawBuilder<unknown>) =>
      sql<
        Record<string, unknown>
      >`(select span, file_count, sum(file_count) over (order by span desc) as upto from file_spans where owner_id = ${ownerId} and parent = ${parent})`;
    // The span of `from` holding the row `newer` rows from its newest, and that row's place in it.
    const holding = (from: string, newer: RawBuilder<unknown>) =>
      sql<
        Record<string, unknown>
      >`(select span, file_count, ${newer} - (upto - file_count) as newer from ${sql.table(from)} where upto > ${newer} order by span desc limit 1)`;
    const first = keyOrder(
      this.db
        .with('months', () => level(sql`${''}`))
        .with('in_month', () => holding('months', sql`${offset}`))
        .with('days', () => level(sql`(select span from in_month)`))
        .with('in_day', () => holding('days', sql`(select newer from in_month)`))
        .with('hours', () => level(sql`(select span from in_day)`))
        .with('in_hour', () => holding('hours', sql`(select newer from in_day)`))
        .selectFrom('files as f')
        .select(['f.created_at', 'f.id'])
        .where(matching(this.engine, filter))
        .where('f.created_at', '>=', sql<string>`(select span from in_hour)`),
      filter,
      'asc',
    )
      // Past the end there is no hour: no row either, but SQLite refuses an OFFSET of NULL.
      .offset(sql<number>`coalesce((select cast(file_count - 1 - newer as bigint) from in_hour), 0)`)
      .limit(1);
    const total = sql<number>`(select sum(file_count) from file_spans where owner_id = ${ownerId} and parent = ${''})`;
    const rows = await this.listing(filter)
      .where(sql<SqlBool>`(${sql.ref('f.created_at')}, ${sql.ref('f.id')}) <= (${first})`)
      .select(total.as('page_total'))
      .limit(limit)
      .execute();
    if (rows.length === 0) return { rows, total: await this.countAll(ownerId), exact: true };
    return { rows: rows.map(({ page_total: _, ...row }) => row), total: Number(rows[0]!.page_total), exact: true };
  }

  private async shortPage(filter: FileFilter, offset: number, limit: number): Promise<{ rows: FileRecord[]; total: number; exact: boolean }> {
    const text = textMatches(this.engine, filter.text!, 'w');
    const { seen, hits } = await this.db
      .selectFrom(this.window(filter, null, SHORT_QUERY_WINDOW))
      .select((eb) => [eb.fn.countAll<number>().as('seen'), eb.fn.sum<number>(eb.case().when(text).then(1).else(0).end()).as('hits')])
      .executeTakeFirstOrThrow();
    const total = Number(hits ?? 0);
    const exact = Number(seen) < SHORT_QUERY_WINDOW;
    if (offset >= total) return { rows: [], total, exact };
    const { rows } = await this.windowMatches(filter, null, SHORT_QUERY_WINDOW, limit, offset);
    return { rows, total, exact };
  }

  private async countAll(ownerId: string | null): Promise<number> {
    const { total } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('file_count'), eb.lit(0)).as('total'))
      .$if(ownerId !== null, (qb) => qb.where('id', '=', ownerId!))
      .executeTakeFirstOrThrow();
    return Number(total);
  }

  private async cappedCount(filter: FileFilter, plan: TextPlan): Promise<{ total: number; exact: boolean }> {
    const matched = this.db
      .selectFrom('files as f')
      .select('f.id')
      .where(matching(this.engine, filter, plan));
    const capped =
      plan.phrase !== null && plan.candidates === null
        ? // Many FTS candidates: joined to the index, so they come one by one, each checked, until
          // the cap (\`rowid in (select ...)\` first collected every match of the whole table).
          matched
            .innerJoin(sql<{ rowid: number }>`files_fts`.as('s'), (join) => join.on(sql<SqlBool>`s.rowid = f.rowid`))
            .where(sql<SqlBool>`files_fts match ${plan.phrase}`)
            .limit(COUNT_CAP + 1)
            .as('m')
        : // Ordered like the listing: then the capped count walks the same composite index when
          // there is no text (PostgreSQL otherwise scanned the table until it had seen enough). With
          // a text on PostgreSQL the order lets the planner weigh walking newest first against the
          // trigram index as it does for the listing: unordered, it always took the index, whose
          // lists are read whole before the first row (`photo`, in 5% of names: 49,000 entries,
          // ~30 ms), where the walk meets 1,001 matches in ~20,000 rows; a rare text still goes
          // through the index, its few matches then sorted.
          matched
            .$if(filter.text === null || this.engine === 'postgres', (qb) => newestFirst(qb, filter))
            .limit(COUNT_CAP + 1)
            .as('m');
    const { total } = await this.db
      .selectFrom(capped)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    const n = Number(total);
    return n > COUNT_CAP ? { total: COUNT_CAP, exact: false } : { total: n, exact: true };
  }

  /** `alsoWrite` (an audit entry) commits with the change. */
  async update(id: string, changes: FileUpdate, alsoWrite?: (db: Db) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('files').set(changes).where('id', '=', id).execute();
      await alsoWrite?.(trx);
    });
    await this.invalidate(id);
  }

  /** Records a CRC-32 computed from the file's bytes; one recorded meanwhile (the same value) stays. */
  async saveCrc32(id: string, crc32: number): Promise<void> {
    await this.db.updateTable('files').set({ crc32 }).where('id', '=', id).where('crc32', 'is', null).execute();
    await this.invalidate(id);
  }

  /** Updates only while the row is as it was at `seenUpdatedAt`; false when something changed it since. */
  async updateIfUnchanged(id: string, seenUpdatedAt: string, changes: FileUpdate): Promise<boolean> {
    const result = await this.db.updateTable('files').set(changes).where('id', '=', id).where('updated_at', '=', seenUpdatedAt).executeTakeFirst();
    const changed = Number(result.numUpdatedRows) > 0;
    if (changed) await this.invalidate(id);
    return changed;
  }

  /**
   * Removes the file's row and its upload record together (with `alsoWrite`, its audit entry); the
   * caller has removed the bytes first. True when this call removed the row (of two racing deletions, one).
   */
  async delete(id: string, alsoWrite?: (db: Db) => Promise<void>): Promise<boolean> {
    const removed = await this.db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('files').where('id', '=', id).executeTakeFirst();
      await trx.deleteFrom('uploads').where('id', '=', id).execute();
      const gone = Number(deleted.numDeletedRows) > 0;
      if (gone) await alsoWrite?.(trx);
      return gone;
    });
    await this.invalidate(id);
    return removed;
  }

  /** Some files whose `expiresAt` is at or before `at`, soonest first (the partial index on expires_at answers). */
  async expiredIds(at: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('files')
      .select('id')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', at)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Some of an owner's file ids: callers removing them all ask again until none are left. */
  async someIdsOf(ownerId: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('files').select('id').where('owner_id', '=', ownerId).limit(limit).execute();
    return rows.map((r) => r.id);
  }
}
