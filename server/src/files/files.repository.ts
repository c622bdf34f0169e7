import { FILE_STATUSES } from '@dropline/contract';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { MetadataCache } from '../cache/metadataCache.js';
import type { Cursor } from '../db/cursor.js';
import type { Db } from '../db/database.js';
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
/** Page totals count at most this many rows; beyond it the total is given as a lower bound. */
export const COUNT_CAP = 10_000;
/**
 * With at least this many index candidates a match is common, and walking the newest-first index
 * while checking each row finds a page sooner than fetching and sorting every candidate.
 */
const DENSE_MATCHES = 2_000;

// Portable SQL only: `lower() like lower()` with an explicit escape character behaves the same on
// SQLite and PostgreSQL (SQLite folds ASCII letters only).
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** How the text condition is answered: the exact LIKE always decides; the FTS phrase only narrows the rows it looks at. */
interface TextPlan {
  ftsPhrase: string | null;
}

const queryLength = (text: string) => Array.from(text).length;

function matching(filter: FileFilter, plan: TextPlan = { ftsPhrase: null }, withText = true) {
  return (eb: FilesEb): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [];
    if (filter.ownerId !== null) conditions.push(eb('f.owner_id', '=', filter.ownerId));
    if (filter.text !== null && withText) {
      if (plan.ftsPhrase !== null) {
        conditions.push(sql<SqlBool>`${sql.ref('f.rowid')} in (select rowid from files_fts where files_fts match ${plan.ftsPhrase})`);
      }
      const pattern = `%${escapeLike(filter.text)}%`;
      conditions.push(
        eb.or([
          sql<SqlBool>`lower(${sql.ref('f.filename')}) like lower(${pattern}) escape '\\'`,
          sql<SqlBool>`lower(${sql.ref('f.title')}) like lower(${pattern}) escape '\\'`,
        ]),
      );
    }
    if (filter.mimeType !== null) conditions.push(eb('f.mime_type', '=', filter.mimeType));
    if (filter.mimePrefix !== null) {
      conditions.push(sql<SqlBool>`${sql.ref('f.mime_type')} like ${`${escapeLike(filter.mimePrefix)}%`} escape '\\'`);
    }
    if (filter.status !== null) conditions.push(eb('f.status', '=', filter.status));
    if (filter.createdFrom !== null) conditions.push(eb('f.created_at', '>=', filter.createdFrom));
    if (filter.createdBefore !== null) conditions.push(eb('f.created_at', '<', filter.createdBefore));
    return eb.and(conditions);
  };
}

const after = (cursor: Cursor) => (eb: FilesEb) =>
  eb.or([eb('f.created_at', '<', cursor.createdAt), eb.and([eb('f.created_at', '=', cursor.createdAt), eb('f.id', '<', cursor.id)])]);

const unfiltered = (f: FileFilter) =>
  f.text === null && f.mimeType === null && f.mimePrefix === null && f.status === null && f.createdFrom === null && f.createdBefore === null;

const fileKey = (id: string) => `file:${id}`;

export class FilesRepository {
  constructor(
    private readonly db: Db,
    private readonly engine: Engine,
    /** Every write below invalidates the file's entry once it has committed. */
    private readonly cache: MetadataCache,
  ) {}

  /** Whether a text search is short (no trigram to look up), and on SQLite, whether the FTS index should narrow it. */
  private async textPlan(filter: FileFilter): Promise<TextPlan & { short: boolean }> {
    if (filter.text === null) return { ftsPhrase: null, short: false };
    if (queryLength(filter.text) < MIN_INDEXED_QUERY) return { ftsPhrase: null, short: true };
    // PostgreSQL's planner picks between the pg_trgm GIN indexes and the newest-first index itself.
    if (this.engine !== 'sqlite') return { ftsPhrase: null, short: false };
    const phrase = `"${filter.text.replaceAll('"', '""')}"`;
    const { candidates } = await this.db
      .selectFrom(sql<{ rowid: number }>`(select rowid from files_fts where files_fts match ${phrase} limit ${DENSE_MATCHES})`.as('c'))
      .select((eb) => eb.fn.countAll<number>().as('candidates'))
      .executeTakeFirstOrThrow();
    return { ftsPhrase: Number(candidates) < DENSE_MATCHES ? phrase : null, short: false };
  }

  private joined() {
    return this.db.selectFrom('files as f').innerJoin('users as u', 'u.id', 'f.owner_id');
  }

  private withOwner() {
    return this.joined()
      .leftJoin('file_requests as r', 'r.id', 'f.request_id')
      .selectAll('f')
      .select(['u.email as owner_email', 'u.display_name as owner_display_name', 'r.title as request_title']);
  }

  private newestFirst(filter: FileFilter, plan?: TextPlan) {
    return this.withOwner().where(matching(filter, plan)).orderBy('f.created_at', 'desc').orderBy('f.id', 'desc');
  }

  /** How many files are in each status (for metrics). */
  async countByStatus(): Promise<Record<FileStatus, number>> {
    const rows = await this.db.selectFrom('files').select(['status', (eb) => eb.fn.countAll<string | number>().as('count')]).groupBy('status').execute();
    const counts = Object.fromEntries(FILE_STATUSES.map((s) => [s, 0])) as Record<FileStatus, number>;
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  find(id: string): Promise<FileRecord | undefined> {
    return this.cache.get(fileKey(id), () => this.withOwner().where('f.id', '=', id).executeTakeFirst());
  }

  /** Inserts unless a file with this id exists; returns whether this call inserted it (and then wrote `alsoWrite` with it). */
  async insertIfAbsent(file: NewFile, alsoWrite?: (db: Db) => Promise<void>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('files')
        .values(file)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      const inserted = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
      if (inserted) await alsoWrite?.(trx);
      return inserted;
    });
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
    if (!plan.short) {
      const rows = await this.newestFirst(filter, plan)
        .$if(cursor !== null, (qb) => qb.where(after(cursor!)))
        .limit(limit + 1)
        .execute();
      return { rows, scannedTo: null };
    }
    const windowed = () =>
      this.db
        .selectFrom('files as f')
        .where(matching(filter, plan, false))
        .$if(cursor !== null, (qb) => qb.where(after(cursor!)))
        .orderBy('f.created_at', 'desc')
        .orderBy('f.id', 'desc');
    const rows = await this.newestFirst(filter)
      .where('f.id', 'in', windowed().select('f.id').limit(SHORT_QUERY_WINDOW))
      .limit(limit + 1)
      .execute();
    if (rows.length > limit) return { rows, scannedTo: null };
    const edge = await windowed()
      .select(['f.created_at', 'f.id'])
      .offset(SHORT_QUERY_WINDOW - 1)
      .limit(1)
      .executeTakeFirst();
    return { rows, scannedTo: edge ? { createdAt: edge.created_at, id: edge.id } : null };
  }

  /**
   * One page by number. The total comes from the per-owner counters when nothing but the owner is
   * filtered, else from a count that stops at COUNT_CAP (`exact` false beyond it). Pages past a
   * known end are answered without reading rows; deep pages of the plain listing skip through the
   * covering (owner, created_at, id) index before reading the rows they show.
   */
  async page(filter: FileFilter, offset: number, limit: number): Promise<{ rows: FileRecord[]; total: number; exact: boolean }> {
    const plan = await this.textPlan(filter);
    const { total, exact } = unfiltered(filter) ? { total: await this.countAll(filter.ownerId), exact: true } : await this.cappedCount(filter, plan);
    if (exact && offset >= total) return { rows: [], total, exact };
    const rows = unfiltered(filter)
      ? await this.withOwner()
          .where(
            'f.id',
            'in',
            this.db
              .selectFrom('files as f')
              .select('f.id')
              .where(matching(filter))
              .orderBy('f.created_at', 'desc')
              .orderBy('f.id', 'desc')
              .limit(limit)
              .offset(offset),
          )
          .orderBy('f.created_at', 'desc')
          .orderBy('f.id', 'desc')
          .execute()
      : await this.newestFirst(filter, plan).limit(limit).offset(offset).execute();
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
    const { total } = await this.db
      .selectFrom(this.db.selectFrom('files as f').select('f.id').where(matching(filter, plan)).limit(COUNT_CAP + 1).as('m'))
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
