import type { Db } from '../db/database.js';
import type { UploadRow } from '../db/schema.js';

/** The server's bookkeeping of uploads: who owns each one and whether it has been ingested. */
export class UploadsRepository {
  constructor(private readonly db: Db) {}

  async create(upload: { id: string; ownerId: string; createdAt: string; expiresAt: string }): Promise<void> {
    await this.db
      .insertInto('uploads')
      .values({ id: upload.id, owner_id: upload.ownerId, created_at: upload.createdAt, expires_at: upload.expiresAt, ingested_at: null })
      .execute();
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

  async pendingIdsOf(ownerId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('uploads').select('id').where('owner_id', '=', ownerId).where('ingested_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }

  async expiredPendingIds(now: string): Promise<string[]> {
    const rows = await this.db.selectFrom('uploads').select('id').where('ingested_at', 'is', null).where('expires_at', '<', now).execute();
    return rows.map((r) => r.id);
  }
}
