import type { MetadataCache } from '../cache/metadataCache.js';
import type { Db } from '../db/database.js';
import type { NewUser, Role, UserRow } from '../db/schema.js';

/** What the auth check needs of an account on every request: small, so it caches well. */
export interface AccountState {
  role: Role;
  disabled: boolean;
}

export const accountKey = (id: string) => `account:${id}`;

export class UsersRepository {
  constructor(
    private readonly db: Db,
    /** Holds account states; whoever changes a role or disables an account invalidates `accountKey`. */
    private readonly cache: MetadataCache,
  ) {}

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Asked on every authenticated request, so it is cached. */
  async state(id: string): Promise<AccountState | null> {
    const state = await this.cache.get(accountKey(id), async () => {
      const row = await this.db.selectFrom('users').select(['role', 'disabled']).where('id', '=', id).executeTakeFirst();
      return row ? { role: row.role, disabled: Number(row.disabled) !== 0 } : undefined;
    });
    return state ?? null;
  }

  forget(id: string): Promise<void> {
    return this.cache.invalidate(accountKey(id));
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
