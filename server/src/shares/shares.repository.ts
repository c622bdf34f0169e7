import type { Insertable, Updateable } from 'kysely';
import type { AuditWrite } from '../audit/auditLog.js';
import { newestFirstPage, type Cursor } from '../db/cursor.js';
import type { Db } from '../db/database.js';
import type { SharesTable, ShareRow } from '../db/schema.js';

/** A share with what its public page shows of its owner, and whether that owner may still act. */
export type ShareRecord = ShareRow & { owner_display_name: string; owner_disabled: number };

/** A file of a share, in the order the owner gave. */
export interface SharedFileRow {
  share_id: string;
  id: string;
  filename: string;
  size: number;
  mime_type: string;
  sha256: string | null;
}

/**
 * Shares and their files. Nothing here is cached: a revoked share (its row deleted) or a changed
 * limit must answer from the very next request, on every node.
 */
export class SharesRepository {
  constructor(private readonly db: Db) {}

  private withOwner() {
    return this.db
      .selectFrom('shares as s')
      .innerJoin('users as u', 'u.id', 's.owner_id')
      .selectAll('s')
      .select(['u.display_name as owner_display_name', 'u.disabled as owner_disabled']);
  }

  /** The share, its files and (`audit`) its record commit together. */
  async create(share: Insertable<SharesTable>, fileIds: string[], audit: AuditWrite): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('shares').values(share).execute();
      await trx
        .insertInto('share_files')
        .values(fileIds.map((fileId, position) => ({ share_id: share.id, file_id: fileId, position })))
        .execute();
      await audit(trx);
    });
  }

  find(id: string): Promise<ShareRecord | undefined> {
    return this.withOwner().where('s.id', '=', id).executeTakeFirst();
  }

  findByToken(token: string): Promise<ShareRecord | undefined> {
    return this.withOwner().where('s.token', '=', token).executeTakeFirst();
  }

  /** An owner's shares, newest first, strictly after `cursor`; one more than `limit` so the caller knows if more follow. */
  listAfter(ownerId: string, cursor: Cursor | null, limit: number): Promise<ShareRecord[]> {
    return this.withOwner()
      .where('s.owner_id', '=', ownerId)
      .$call((qb) => newestFirstPage(qb, cursor, limit, 's.created_at', 's.id'))
      .execute();
  }

  /** The files still in these shares (a deleted file has left by cascade), in each share's order. */
  async filesOf(shareIds: string[]): Promise<SharedFileRow[]> {
    if (shareIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('share_files as sf')
      .innerJoin('files as f', 'f.id', 'sf.file_id')
      .select(['sf.share_id', 'f.id', 'f.filename', 'f.size', 'f.mime_type', 'f.sha256'])
      .where('sf.share_id', 'in', shareIds)
      .orderBy('sf.share_id')
      .orderBy('sf.position')
      .execute();
    return rows.map((row) => ({ ...row, size: Number(row.size) }));
  }

  /** One file of a share, or undefined when the file is not (or no longer) in it. */
  async fileOf(shareId: string, fileId: string): Promise<SharedFileRow | undefined> {
    const row = await this.db
      .selectFrom('share_files as sf')
      .innerJoin('files as f', 'f.id', 'sf.file_id')
      .select(['sf.share_id', 'f.id', 'f.filename', 'f.size', 'f.mime_type', 'f.sha256'])
      .where('sf.share_id', '=', shareId)
      .where('sf.file_id', '=', fileId)
      .executeTakeFirst();
    return row && { ...row, size: Number(row.size) };
  }

  async update(id: string, changes: Updateable<SharesTable>, audit: AuditWrite): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('shares').set(changes).where('id', '=', id).execute();
      await audit(trx);
    });
  }

  /** Revokes: the row goes (its files' rows with it, by cascade). */
  async delete(id: string, audit: AuditWrite): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('shares').where('id', '=', id).execute();
      await audit(trx);
    });
  }

  /**
   * Counts one download if one is left, in a single conditional statement, so concurrent first
   * requests can't both read "one left" and both win: the database serialises the row's updates
   * and re-checks the condition for each. Returns the new count, or null when none was left (or
   * the share expired or went meanwhile).
   */
  async countDownload(id: string, at: string): Promise<number | null> {
    const row = await this.db
      .updateTable('shares')
      .set((eb) => ({ downloads: eb('downloads', '+', 1) }))
      .where('id', '=', id)
      .where((eb) => eb.or([eb('max_downloads', 'is', null), eb('downloads', '<', eb.ref('max_downloads'))]))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
      .returning('downloads')
      .executeTakeFirst();
    return row ? Number(row.downloads) : null;
  }
}
