import type { Db } from '../db/database.js';
import type { UploadRow } from '../db/schema.js';

/** The server's bookkeeping of uploads: who owns each one and whether it has been ingested. */
export class UploadsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a new upload for its owner, in the same statement that checks the owner still exists;
   * false when the account was deleted since the request was authenticated (no foreign-key error).
   */
  async create(upload: { id: string; ownerId: string; createdAt: string; expiresAt: string }): Promise<boolean> {
    const result = await this.db
      .insertInto('uploads')
      .columns(['id', 'owner_id', 'created_at', 'expires_at'])
      .expression((eb) =>
        eb
          .selectFrom('users')
          .select([eb.val(upload.id).as('id'), 'users.id as owner_id', eb.val(upload.createdAt).as('created_at'), eb.val(upload.expiresAt).as('expires_at')])
          .where('users.id', '=', upload.ownerId),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  find(id: string): Promise<UploadRow | undefined> {
    return this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async markIngested(id: string, at: string): Promise<void> {
    await this.db.updateTable('uploads').set({ ingested_at: at }).where('id', '=', id).where('ingested_at', 'is', null).execute();
  }

  async forget(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  /** Uploads not yet handed over as files: still arriving, or finished while the server went down. */
  async pendingIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('uploads').select('id').where('ingested_at', 'is', null).orderBy('created_at').execute();
    return rows.map((r) => r.id);
  }

  async expiredPendingIds(now: string): Promise<string[]> {
    const rows = await this.db.selectFrom('uploads').select('id').where('ingested_at', 'is', null).where('expires_at', '<', now).execute();
    return rows.map((r) => r.id);
  }
}
