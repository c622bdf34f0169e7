import type { AccountLookup, AccountStanding } from './authenticate.js';
import type { MetadataCache } from '../cache/metadataCache.js';
import { insertIfAbsent, type Db } from '../db/database.js';
import type { NewUser, UserRow, UserUpdate } from '../db/schema.js';

/**
 * The cache keys of what the per-request check reads: an account's role and state, and whether a
 * login session is live. Whatever changes either (admin changes, deletion, revoked sessions)
 * invalidates its key in the same place it writes.
 */
export const accountKey = (userId: string) => `account:${userId}`;
export const sessionKey = (sessionId: string) => `session:${sessionId}`;

export class UsersRepository implements AccountLookup {
  constructor(
    private readonly db: Db,
    private readonly cache: MetadataCache,
  ) {}

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  /**
   * Asked on every authenticated request, so both halves come from the metadata cache: a primary
   * key read each on a miss, none on a hit. A revoked session is not cached (nothing not found is),
   * so it is refused from the database every time.
   */
  async standing(id: string, sessionId: string | null): Promise<AccountStanding | undefined> {
    const [account, session] = await Promise.all([
      this.cache.get(accountKey(id), () =>
        this.db.selectFrom('users').select(['users.id', 'users.role', 'users.disabled']).where('users.id', '=', id).executeTakeFirst(),
      ),
      sessionId === null
        ? null
        : this.cache.get(sessionKey(sessionId), () =>
            this.db
              .selectFrom('sessions')
              .select('sessions.user_id as userId')
              .where('sessions.id', '=', sessionId)
              .where('sessions.revoked_at', 'is', null)
              .executeTakeFirst(),
          ),
    ]);
    if (session !== null && session?.userId !== id) return undefined;
    return account;
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async update(id: string, changes: UserUpdate): Promise<void> {
    await this.db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  /** Returns false instead of throwing when the email is taken, whatever the database's error shape. */
  insertIfAbsent(user: NewUser, alsoWrite?: (db: Db) => Promise<void>): Promise<boolean> {
    return insertIfAbsent(this.db, 'users', user, 'email', alsoWrite);
  }
}
