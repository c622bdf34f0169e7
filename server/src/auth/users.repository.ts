import type { AccountLookup, AccountStanding } from './authenticate.js';
import { insertIfAbsent, type Db } from '../db/database.js';
import type { NewUser, UserRow, UserUpdate } from '../db/schema.js';

export class UsersRepository implements AccountLookup {
  constructor(private readonly db: Db) {}

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  /** The few columns the per-request auth check reads, by primary keys (the user's and the session's). */
  standing(id: string, sessionId: string | null): Promise<AccountStanding | undefined> {
    return this.db
      .selectFrom('users')
      .select(['users.id', 'users.role', 'users.disabled'])
      .where('users.id', '=', id)
      .$if(sessionId !== null, (qb) =>
        qb.where((eb) =>
          eb.exists(
            eb
              .selectFrom('sessions')
              .select('sessions.id')
              .where('sessions.id', '=', sessionId!)
              .whereRef('sessions.user_id', '=', 'users.id')
              .where('sessions.revoked_at', 'is', null),
          ),
        ),
      )
      .executeTakeFirst();
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
