import type { MetadataCache } from '../cache/metadataCache.js';
import type { Db } from '../db/database.js';
import { now } from '../db/time.js';
import { sessionKey } from './users.repository.js';

export interface TokenWithSession {
  sessionId: string;
  userId: string;
  usedAt: string | null;
  expiresAt: string;
  revokedAt: string | null;
}

/** Login sessions and the chain of refresh tokens each one has been rotated through. */
export class SessionsRepository {
  constructor(
    private readonly db: Db,
    /** Where the per-request check keeps which sessions are live (`UsersRepository.standing`). */
    private readonly cache: MetadataCache,
  ) {}

  async create(session: { id: string; userId: string; expiresAt: string }, tokenHash: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const createdAt = now();
      await trx
        .insertInto('sessions')
        .values({ id: session.id, user_id: session.userId, created_at: createdAt, expires_at: session.expiresAt })
        .execute();
      await trx.insertInto('refresh_tokens').values({ token_hash: tokenHash, session_id: session.id, created_at: createdAt }).execute();
    });
  }

  findToken(tokenHash: string): Promise<TokenWithSession | undefined> {
    return this.db
      .selectFrom('refresh_tokens as t')
      .innerJoin('sessions as s', 's.id', 't.session_id')
      .select(['s.id as sessionId', 's.user_id as userId', 't.used_at as usedAt', 's.expires_at as expiresAt', 's.revoked_at as revokedAt'])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /**
   * Spends `oldHash` and adds `newHash` to the same session in one step. Returns false when the old
   * token was already spent, also by a concurrent request: that is reuse, and the caller revokes.
   */
  async rotate(sessionId: string, oldHash: string, newHash: string, expiresAt: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const at = now();
      const spent = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: at })
        .where('token_hash', '=', oldHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      await trx.insertInto('refresh_tokens').values({ token_hash: newHash, session_id: sessionId, created_at: at }).execute();
      await trx.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', sessionId).execute();
      return true;
    });
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.revokeWhere('id', sessionId, reason);
  }

  /** Ends every login of a user at once (disabled or deleted): their refresh tokens stop working. */
  async revokeAllOf(userId: string, reason: string): Promise<void> {
    await this.revokeWhere('user_id', userId, reason);
  }

  /**
   * A session revoked already keeps its first time and reason. Each session ended here leaves the
   * cache before this returns, so its access tokens are refused from the next request on, on every node.
   */
  private async revokeWhere(column: 'id' | 'user_id', value: string, reason: string): Promise<void> {
    const ended = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now(), revoked_reason: reason })
      .where(column, '=', value)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await Promise.all(ended.map(({ id }) => this.cache.invalidate(sessionKey(id))));
  }
}
