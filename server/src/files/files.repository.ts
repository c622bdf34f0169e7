import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Cursor } from '../db/cursor.js';
import type { Db } from '../db/database.js';
import type { Database, FileRow, FileStatus, FileUpdate, NewFile } from '../db/schema.js';

/** A file row with its owner's email, which every File view carries. */
export type FileRecord = FileRow & { owner_email: string };

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

type FilesEb = ExpressionBuilder<Database & { f: Database['files']; u: Database['users'] }, 'f' | 'u'>;

// Portable SQL only: `lower() like lower()` with an explicit escape character behaves the same on
// SQLite and PostgreSQL (SQLite folds ASCII letters only).
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function matching(filter: FileFilter) {
  return (eb: FilesEb): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [];
    if (filter.ownerId !== null) conditions.push(eb('f.owner_id', '=', filter.ownerId));
    if (filter.text !== null) {
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

export class FilesRepository {
  constructor(private readonly db: Db) {}

  private joined() {
    return this.db.selectFrom('files as f').innerJoin('users as u', 'u.id', 'f.owner_id');
  }

  private withOwner() {
    return this.joined().selectAll('f').select('u.email as owner_email');
  }

  private newestFirst(filter: FileFilter) {
    return this.withOwner().where(matching(filter)).orderBy('f.created_at', 'desc').orderBy('f.id', 'desc');
  }

  find(id: string): Promise<FileRecord | undefined> {
    return this.withOwner().where('f.id', '=', id).executeTakeFirst();
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

  /** Newest first, strictly after `cursor`; asks for one more than `limit` so the caller knows if more follow. */
  listAfter(filter: FileFilter, cursor: Cursor | null, limit: number): Promise<FileRecord[]> {
    return this.newestFirst(filter)
      .$if(cursor !== null, (qb) =>
        qb.where((eb) =>
          eb.or([
            eb('f.created_at', '<', cursor!.createdAt),
            eb.and([eb('f.created_at', '=', cursor!.createdAt), eb('f.id', '<', cursor!.id)]),
          ]),
        ),
      )
      .limit(limit + 1)
      .execute();
  }

  async page(filter: FileFilter, offset: number, limit: number): Promise<{ rows: FileRecord[]; total: number }> {
    const rows = await this.newestFirst(filter).limit(limit).offset(offset).execute();
    const { total } = await this.joined()
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where(matching(filter))
      .executeTakeFirstOrThrow();
    return { rows, total: Number(total) };
  }

  /** `alsoWrite` (an audit entry) commits with the change. */
  async update(id: string, changes: FileUpdate, alsoWrite?: (db: Db) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('files').set(changes).where('id', '=', id).execute();
      await alsoWrite?.(trx);
    });
  }

  /** Updates only while the row is as it was at `seenUpdatedAt`; false when something changed it since. */
  async updateIfUnchanged(id: string, seenUpdatedAt: string, changes: FileUpdate): Promise<boolean> {
    const result = await this.db.updateTable('files').set(changes).where('id', '=', id).where('updated_at', '=', seenUpdatedAt).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Removes the file's row and its upload record together (with `alsoWrite`, its audit entry); the caller has removed the bytes first. */
  async delete(id: string, alsoWrite?: (db: Db) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('files').where('id', '=', id).executeTakeFirst();
      await trx.deleteFrom('uploads').where('id', '=', id).execute();
      if (Number(deleted.numDeletedRows) > 0) await alsoWrite?.(trx);
    });
  }

  /** Some of an owner's file ids: callers removing them all ask again until none are left. */
  async someIdsOf(ownerId: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('files').select('id').where('owner_id', '=', ownerId).limit(limit).execute();
    return rows.map((r) => r.id);
  }
}
