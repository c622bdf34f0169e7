import type { AuditLog } from '../audit/auditLog.js';
import type { AdminUser, AuditEntry, CursorPage } from '@dropline/contract';
import { usageOf } from '../auth/auth.service.js';
import type { AuthUser } from '../auth/tokens.js';

import { encodeCursor } from '../db/cursor.js';
import type { UserRow } from '../db/schema.js';
import { HttpError, notFound } from '../http/errors.js';
import type { AdminRepository, ChangeOutcome, UserChanges } from './admin.repository.js';
import type { AuditQuery, UsersQuery } from './admin.schemas.js';

/** What ending an account's access takes, wherever it lives: sessions and open sockets. */
export interface AccountAccess {
  /** Revokes every login session (refresh tokens, and the access tokens that carry their session id) of the user. */
  endSessions(userId: string): Promise<void>;
  /** Closes the user's sockets on every node. */
  disconnect(userId: string): void;
}

/** Removes everything a user owns: files with their bytes and derived files, unfinished uploads, shares, requests. */
export interface OwnedData {
  deleteAllOf(userId: string): Promise<void>;
}

const lastAdmin = () => new HttpError(409, 'last_admin', 'This is the last active administrator: make another account an administrator first.');
const noUser = () => notFound('There is no user with this id.');

export class AdminService {
  constructor(
    private readonly users: AdminRepository,
    private readonly audit: AuditLog,
    private readonly access: AccountAccess,
    private readonly owned: OwnedData,
    private readonly defaultQuota: number | null,
  ) {}

  private view(u: UserRow): AdminUser {
    return {
      id: u.id,
      email: u.email,
      displayName: u.display_name,
      role: u.role,
      disabled: Number(u.disabled) !== 0,
      createdAt: u.created_at,
      usage: usageOf(u, this.defaultQuota),
    };
  }

  async list(query: UsersQuery): Promise<{ items: AdminUser[]; nextCursor: string | null }> {
    const rows = await this.users.list(query.q, query.cursor, query.limit);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((u) => this.view(u)),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
    };
  }

  async update(actor: AuthUser, id: string, changes: UserChanges): Promise<AdminUser> {
    const before = await this.users.find(id);
    if (!before) throw noUser();
    const outcome = await this.users.update(
      id,
      changes,
      this.audit.write({ action: 'user.update', actorId: actor.id, targetType: 'user', targetId: id, details: { ...changes } }),
    );
    this.check(outcome);
    if (changes.disabled === true) await this.cutOff(id);
    const after = await this.users.find(id);
    if (!after) throw noUser();
    return this.view(after);
  }

  /**
   * The account is disabled first, so nothing new starts while its files go; then everything it
   * owns is removed, and last the row itself with its audit entry.
   */
  async remove(actor: AuthUser, id: string): Promise<void> {
    const user = await this.users.find(id);
    if (!user) throw noUser();
    this.check(await this.users.update(id, { disabled: true }, async () => {}));
    await this.cutOff(id);
    await this.owned.deleteAllOf(id);
    this.check(
      await this.users.delete(
        id,
        this.audit.write({ action: 'user.delete', actorId: actor.id, targetType: 'user', targetId: id, details: { email: user.email } }),
      ),
    );
  }

  auditTrail(query: AuditQuery): Promise<CursorPage<AuditEntry>> {
    return this.audit.list(query.filter, query.cursor, query.limit);
  }

  private async cutOff(id: string): Promise<void> {
    await this.access.endSessions(id);
    this.access.disconnect(id);
  }

  private check(outcome: ChangeOutcome): void {
    if (outcome === 'missing') throw noUser();
    if (outcome === 'last_admin') throw lastAdmin();
  }
}
