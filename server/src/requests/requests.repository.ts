import { newestFirstPage, type Cursor } from '../db/cursor.js';
import type { Db } from '../db/database.js';
import type { FileRequestRow } from '../db/schema.js';

/** A request with its owner's display name, which the public page shows. */
export type FileRequestRecord = FileRequestRow & { owner_display_name: string };

export interface NewFileRequest {
  id: string;
  ownerId: string;
  token: string;
  title: string;
  message: string | null;
  expiresAt: string | null;
  maxFiles: number | null;
  maxBytes: number | null;
  passwordHash: string | null;
  createdAt: string;
}

export type FileRequestChanges = Partial<Pick<FileRequestRow, 'title' | 'message' | 'expires_at' | 'max_files' | 'max_bytes' | 'password_hash'>>;

/** File requests as stored. Deleted ones are only marked, and every read here leaves them out. */
export class RequestsRepository {
  constructor(private readonly db: Db) {}

  private live() {
    return this.db
      .selectFrom('file_requests as r')
      .innerJoin('users as u', 'u.id', 'r.owner_id')
      .selectAll('r')
      .select('u.display_name as owner_display_name')
      .where('r.deleted_at', 'is', null);
  }

  /** `alsoWrite` (its audit entry) commits with it. */
  async create(request: NewFileRequest, alsoWrite: (db: Db) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('file_requests')
        .values({
          id: request.id,
          owner_id: request.ownerId,
          token: request.token,
          title: request.title,
          message: request.message,
          expires_at: request.expiresAt,
          max_files: request.maxFiles,
          max_bytes: request.maxBytes,
          password_hash: request.passwordHash,
          created_at: request.createdAt,
          updated_at: request.createdAt,
        })
        .execute();
      await alsoWrite(trx);
    });
  }

  find(id: string): Promise<FileRequestRecord | undefined> {
    return this.live().where('r.id', '=', id).executeTakeFirst();
  }

  findByToken(token: string): Promise<FileRequestRecord | undefined> {
    return this.live().where('r.token', '=', token).executeTakeFirst();
  }

  /** An owner's requests, newest first, strictly after `cursor`; one more than `limit` so the caller knows whether more follow. */
  listOf(ownerId: string, cursor: Cursor | null, limit: number): Promise<FileRequestRecord[]> {
    return this.live()
      .where('r.owner_id', '=', ownerId)
      .$call((qb) => newestFirstPage(qb, cursor, limit, 'r.created_at', 'r.id'))
      .execute();
  }

  async update(id: string, changes: FileRequestChanges, at: string): Promise<void> {
    await this.db
      .updateTable('file_requests')
      .set({ ...changes, updated_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
  }

  /** Its link stops working at once; files that came through it keep naming it. */
  async markDeleted(id: string, at: string): Promise<void> {
    await this.db.updateTable('file_requests').set({ deleted_at: at, updated_at: at }).where('id', '=', id).execute();
  }
}
