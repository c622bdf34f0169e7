import { randomUUID } from 'node:crypto';
import { encodeCursor, newestFirstPage, type Cursor } from '../db/cursor.js';
import type { Db } from '../db/database.js';
import { now } from '../db/time.js';
import { currentRequestContext } from '../http/requestContext.js';

/** The contract's action names; share.* and request.* are written by the sharing code. */
export type AuditAction =
  | 'auth.register'
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'file.create'
  | 'file.update'
  | 'file.delete'
  | 'share.create'
  | 'share.update'
  | 'share.delete'
  | 'share.download'
  | 'request.create'
  | 'request.upload'
  | 'user.update'
  | 'user.delete'
  | 'job.retry';

export interface AuditEntry {
  action: AuditAction;
  /** The account acting; null for the system (expiry) or an anonymous caller. */
  actorId: string | null;
  targetType?: string | null;
  targetId?: string | null;
  /** Anything else worth knowing, never a token, password or other secret. */
  details?: Record<string, unknown>;
}

/** Writes its entry with the executor it is given: the caller's transaction, so the action and its record commit together. */
export type AuditWrite = (db: Db) => Promise<void>;

export interface AuditItem {
  id: string;
  at: string;
  actor: { id: string; email: string } | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditFilter {
  /** An account id or email. */
  actor: string | null;
  /** An exact action, or a family ending in a dot (`share.`). */
  action: string | null;
  from: string | null;
  /** Exclusive. */
  before: string | null;
}

/**
 * The audit trail: one table, written by every domain through `write` (inside the action's own
 * transaction where it has one) or `record` (on its own), read by admins newest first.
 */
export class AuditLog {
  constructor(private readonly db: Db) {}

  /** The entry as a step of the caller's transaction. The request's address and id are added here. */
  write(entry: AuditEntry): AuditWrite {
    const context = currentRequestContext();
    return async (db) => {
      await db
        .insertInto('audit_log')
        .values((eb) => ({
          id: randomUUID(),
          at: now(),
          actor_id: entry.actorId,
          // Kept beside the id so the trail still names an account after it is deleted.
          actor_email: entry.actorId === null ? null : eb.selectFrom('users').select('email').where('id', '=', entry.actorId),
          action: entry.action,
          target_type: entry.targetType ?? null,
          target_id: entry.targetId ?? null,
          ip: context?.ip ?? null,
          request_id: context?.requestId ?? null,
          details: entry.details === undefined ? null : JSON.stringify(entry.details),
        }))
        .execute();
    };
  }

  /** For actions without a transaction of their own. */
  record(entry: AuditEntry): Promise<void> {
    return this.write(entry)(this.db);
  }

  /** Newest first, strictly after `cursor`; one more than `limit` so the caller knows whether more follow. */
  async list(filter: AuditFilter, cursor: Cursor | null, limit: number): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
    const rows = await this.db
      .selectFrom('audit_log as a')
      .leftJoin('users as u', 'u.id', 'a.actor_id')
      .selectAll('a')
      .select('u.email as current_email')
      .$if(filter.actor !== null, (qb) =>
        qb.where((eb) =>
          filter.actor!.includes('@') ? eb('a.actor_email', '=', filter.actor!.toLowerCase()) : eb('a.actor_id', '=', filter.actor!),
        ),
      )
      .$if(filter.action !== null && !filter.action.endsWith('.'), (qb) => qb.where('a.action', '=', filter.action!))
      .$if(filter.action?.endsWith('.') === true, (qb) =>
        // A range rather than LIKE, so `_` in a name is not a wildcard and the index serves it.
        qb.where('a.action', '>=', filter.action!).where('a.action', '<', `${filter.action!.slice(0, -1)}/`),
      )
      .$if(filter.from !== null, (qb) => qb.where('a.at', '>=', filter.from!))
      .$if(filter.before !== null, (qb) => qb.where('a.at', '<', filter.before!))
      .$call((qb) => newestFirstPage(qb, cursor, limit, 'a.at', 'a.id'))
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor_id === null ? null : { id: r.actor_id, email: r.current_email ?? r.actor_email ?? '' },
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        ip: r.ip,
        requestId: r.request_id,
        details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.at, id: last.id }) : null,
    };
  }
}
