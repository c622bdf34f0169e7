import type { MetadataCache } from '../cache/metadataCache.js';
import type { AccountLookup, AccountStanding } from './authenticate.js';
import type { Db } from '../db/database.js';
import type { NewUser, UserRow, UserUpdate } from '../db/schema.js';

const accountKey = (id: string) => `account:${id}`;

export class UsersRepository implements AccountLookup {
  constructor(
    private readonly db: Db,
    /** Holds account standings; whoever changes a role or disables an account calls `forget`. */
    private readonly cache: MetadataCache,
  ) {}

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  /** The few columns the per-request auth check reads, by primary key; cached, as every request asks. */
  standing(id: string): Promise<AccountStanding | undefined> {
    return this.cache.get(accountKey(id), async () => {
      const row = await this.db.selectFrom('users').select(['id', 'role', 'disabled']).where('id', '=', id).executeTakeFirst();
      return row && { id: row.id, role: row.role, disabled: Number(row.disabled) !== 0 };
    });
  }

  /** Drops the cached standing on every node. */
  forget(id: string): Promise<void> {
    return this.cache.invalidate(accountKey(id));
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async update(id: string, changes: UserUpdate): Promise<void> {
    await this.db.updateTable('users').set(changes).where('id', '=', id).execute();
    await this.forget(id);
  }

  /** Returns false instead of throwing when the email is taken, whatever the database's error shape. */
  async insertIfAbsent(user: NewUser, alsoWrite?: (db: Db) => Promise<void>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('users')
        .values(user)
        .onConflict((oc) => oc.column('email').doNothing())
        .executeTakeFirst();
      const inserted = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
      if (inserted) await alsoWrite?.(trx);
      return inserted;
    });
  }
}
