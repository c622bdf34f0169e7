import { sql } from 'kysely';
import { newestFirstPage, type Cursor } from '../db/cursor.js';
import { accountKey } from '../auth/users.repository.js';
import type { MetadataCache } from '../cache/metadataCache.js';
import type { Db } from '../db/database.js';
import type { Role, UserRow } from '../db/schema.js';
import { now } from '../db/time.js';

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  /** null: back to DEFAULT_QUOTA_BYTES. */
  quotaBytes?: number | null;
}

export type ChangeOutcome = 'done' | 'missing' | 'last_admin';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Accounts as administrators see and change them. */
export class AdminRepository {
  constructor(
    private readonly db: Db,
    /** Holds each account's role and state for the per-request check: every change here invalidates it. */
    private readonly cache: MetadataCache,
  ) {}

  find(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest accounts first, strictly after `cursor`; one more than `limit` so the caller knows whether more follow. */
  list(q: string | null, cursor: Cursor | null, limit: number): Promise<UserRow[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .$if(q !== null, (qb) =>
        qb.where((eb) =>
          eb.or([
            sql<boolean>`lower(${sql.ref('email')}) like lower(${`%${escapeLike(q!)}%`}) escape '\\'`,
            sql<boolean>`lower(${sql.ref('display_name')}) like lower(${`%${escapeLike(q!)}%`}) escape '\\'`,
          ]),
        ),
      )
      .$call((qb) => newestFirstPage(qb, cursor, limit, 'created_at', 'id'))
      .execute();
  }

  /** Applies the changes and `alsoWrite` (the audit entry) together, unless that would leave no active admin. */
  update(id: string, changes: UserChanges, alsoWrite: (db: Db) => Promise<void>): Promise<ChangeOutcome> {
    return this.guarded(id, async (trx) => {
      const result = await trx
        .updateTable('users')
        .set({
          ...(changes.role !== undefined ? { role: changes.role } : {}),
          ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
          ...(changes.quotaBytes !== undefined ? { quota_bytes: changes.quotaBytes } : {}),
          updated_at: now(),
        })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return 'missing';
      await alsoWrite(trx);
      return 'done';
    });
  }

  /** Removes the account row (its sessions and upload records go with it), with its audit entry. */
  delete(id: string, alsoWrite: (db: Db) => Promise<void>): Promise<ChangeOutcome> {
    return this.guarded(id, async (trx) => {
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return 'missing';
      await alsoWrite(trx);
      return 'done';
    });
  }

  /**
   * Runs `change` in a transaction that is rolled back when no active admin would be left. The
   * admins' rows are touched first: that locks them on PostgreSQL (SQLite runs one writer anyway),
   * so two admins demoting each other at the same moment can't both succeed. The account's cached
   * standing is dropped once the transaction has ended, committed or not.
   */
  private async guarded(id: string, change: (trx: Db) => Promise<ChangeOutcome>): Promise<ChangeOutcome> {
    const rollback = new Error('rollback');
    let outcome: ChangeOutcome = 'done';
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ role: 'admin' }).where('role', '=', 'admin').execute();
        outcome = await change(trx);
        if (outcome !== 'done') throw rollback;
        const { admins } = await trx
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('admins'))
          .where('role', '=', 'admin')
          .where('disabled', '=', 0)
          .executeTakeFirstOrThrow();
        if (Number(admins) === 0) {
          outcome = 'last_admin';
          throw rollback;
        }
      });
    } catch (err) {
      if (err !== rollback) throw err;
    } finally {
      await this.cache.invalidate(accountKey(id));
    }
    return outcome;
  }
}
