import { randomUUID } from 'node:crypto';
import type { Me, TokenPair, Usage, User } from '@dropline/contract';
import type { Role, UserRow } from '../db/schema.js';
import { after, now } from '../db/time.js';
import type { AuditLog } from '../audit/auditLog.js';
import { HttpError, unauthorized } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { defaultDisplayName } from '@dropline/contract';
import { parseEmail } from './accountFields.js';
import { mayActNow } from './authenticate.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.js';
import type { SessionsRepository } from './sessions.repository.js';
import { hashRefreshToken, newRefreshToken, type AccessTokens } from './tokens.js';
import type { UsersRepository } from './users.repository.js';

/** Storage an account uses against its quota (the contract's Usage); `defaultQuota` stands in for an unset one. */
export const usageOf = (u: UserRow, defaultQuota: number | null): Usage => ({
  bytes: Number(u.files_bytes),
  files: Number(u.file_count),
  reservedBytes: Number(u.reserved_bytes),
  quotaBytes: u.quota_bytes === null ? defaultQuota : Number(u.quota_bytes),
});

/** Slows down password guessing against one account, from however many addresses. */
export interface LoginThrottle {
  /** Throws (429) while the account must wait. */
  check(email: string): Promise<void>;
  failed(email: string): Promise<void>;
  succeeded(email: string): Promise<void>;
}

export const toPublicUser = (u: UserRow): User => ({ id: u.id, email: u.email, role: u.role, displayName: u.display_name });

const invalidCredentials = () => unauthorized('The email or password is incorrect.', 'invalid_credentials');
const invalidRefresh = () => unauthorized('The refresh token is not valid. Please sign in again.', 'invalid_refresh_token');

export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTtlMs: number,
    private readonly log: Logger,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
    private readonly defaultQuota: number | null,
  ) {}

  /** `email` (canonical) and `password` have passed the contract's RegisterBody. */
  async register(email: string, password: string): Promise<{ user: User } & TokenPair> {
    const user = await this.createUser(email, password, 'user', true);
    if (!user) throw new HttpError(409, 'email_taken', 'An account with this email already exists.');
    return { user: toPublicUser(user), ...(await this.startSession(user)) };
  }

  /** `email` is in its canonical form (the contract's LoginBody). */
  async login(email: string, password: string): Promise<{ user: User } & TokenPair> {
    const address = email;
    await this.throttle.check(address);
    const user = await this.users.findByEmail(address);
    const ok = user ? await verifyPassword(password, user.password_hash) : await verifyAgainstDummy(password);
    if (!user || !ok) {
      await this.throttle.failed(address);
      await this.audit.record({
        action: 'auth.login_failed',
        actorId: null,
        targetType: 'user',
        targetId: user?.id ?? null,
        details: { email: address },
      });
      throw invalidCredentials();
    }
    await this.throttle.succeeded(address);
    // Only someone who knows the password learns that the account is disabled.
    if (Number(user.disabled) !== 0) throw new HttpError(403, 'account_disabled', 'This account has been disabled by an administrator.');
    await this.audit.record({ action: 'auth.login', actorId: user.id, targetType: 'user', targetId: user.id });
    return { user: toPublicUser(user), ...(await this.startSession(user)) };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const oldHash = hashRefreshToken(refreshToken);
    const found = await this.sessions.findToken(oldHash);
    if (!found || found.revokedAt !== null || found.expiresAt <= now()) throw invalidRefresh();
    const user = await this.users.findById(found.userId);
    if (!mayActNow(user)) throw invalidRefresh();

    const next = newRefreshToken();
    const rotated = found.usedAt === null && (await this.sessions.rotate(found.sessionId, oldHash, next.hash, after(this.refreshTtlMs)));
    if (!rotated) {
      // A spent token coming back means it was copied: end the whole login so neither copy works on.
      await this.sessions.revoke(found.sessionId, 'refresh_token_reuse');
      this.log.warn({ sessionId: found.sessionId, userId: found.userId }, 'refresh token reuse: session revoked');
      throw unauthorized('This refresh token was already used. The session has been ended; please sign in again.', 'refresh_token_reused');
    }
    return { accessToken: this.accessTokens.sign(user, found.sessionId), refreshToken: next.token };
  }

  /** Ends the session of `refreshToken` when it belongs to `userId`; anything else is silently ignored. */
  async logout(userId: string, refreshToken: string | undefined): Promise<void> {
    if (refreshToken === undefined) return;
    const found = await this.sessions.findToken(hashRefreshToken(refreshToken));
    if (found && found.userId === userId) {
      await this.sessions.revoke(found.sessionId, 'logout');
      await this.audit.record({ action: 'auth.logout', actorId: userId, targetType: 'user', targetId: userId });
    }
  }

  async me(userId: string): Promise<Me> {
    const user = await this.users.findById(userId);
    if (!mayActNow(user)) throw unauthorized('The access token is not valid.', 'invalid_token');
    return { ...toPublicUser(user), usage: usageOf(user, this.defaultQuota) };
  }

  async updateMe(userId: string, changes: { displayName: string }): Promise<Me> {
    await this.users.update(userId, { display_name: changes.displayName, updated_at: now() });
    return this.me(userId);
  }

  /** Creates the configured users that don't exist yet; existing accounts are never changed. */
  async seed(users: { email: string; password: string; role: Role }[]): Promise<void> {
    for (const seed of users) {
      const created = await this.createUser(parseEmail(seed.email), seed.password, seed.role);
      if (created) this.log.info({ email: created.email, role: created.role }, 'seeded user');
    }
  }

  private async createUser(email: string, password: string, role: Role, audited = false): Promise<UserRow | null> {
    if (await this.users.findByEmail(email)) return null;
    const at = now();
    const row: UserRow = {
      id: randomUUID(),
      email,
      password_hash: await hashPassword(password),
      role,
      display_name: defaultDisplayName(email),
      original_email: null,
      created_at: at,
      updated_at: at,
      disabled: 0,
      quota_bytes: null,
      files_bytes: 0,
      file_count: 0,
      reserved_bytes: 0,
    };
    const audit = audited ? this.audit.write({ action: 'auth.register', actorId: row.id, targetType: 'user', targetId: row.id }) : undefined;
    return (await this.users.insertIfAbsent(row, audit)) ? row : null;
  }

  private async startSession(user: UserRow): Promise<TokenPair> {
    const refresh = newRefreshToken();
    const sessionId = randomUUID();
    await this.sessions.create({ id: sessionId, userId: user.id, expiresAt: after(this.refreshTtlMs) }, refresh.hash);
    return { accessToken: this.accessTokens.sign(user, sessionId), refreshToken: refresh.token };
  }
}
