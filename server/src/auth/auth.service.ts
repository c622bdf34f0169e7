import { randomUUID } from 'node:crypto';
import type { Role, UserRow } from '../db/schema.js';
import { after, now } from '../db/time.js';
import { HttpError, badRequest, unauthorized } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { defaultDisplayName, parseEmail } from './accountFields.js';
import { mayActNow } from './authenticate.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.js';
import type { SessionsRepository } from './sessions.repository.js';
import { hashRefreshToken, newRefreshToken, type AccessTokens } from './tokens.js';
import type { UsersRepository } from './users.repository.js';

export interface PublicUser {
  id: string;
  email: string;
  role: Role;
  displayName: string;
}

/** `GET /api/auth/me`: the user and what their finished files take up (a quota, when one is set, comes with issue 11). */
export interface Me extends PublicUser {
  usage: { bytes: number; files: number; quotaBytes: number | null };
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

export const toPublicUser = (u: UserRow): PublicUser => ({ id: u.id, email: u.email, role: u.role, displayName: u.display_name });

function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD) {
    throw badRequest(`The password must be at least ${MIN_PASSWORD} characters long.`, 'invalid_password');
  }
  if (password.length > MAX_PASSWORD) {
    throw badRequest(`The password must be at most ${MAX_PASSWORD} characters long.`, 'invalid_password');
  }
  return password;
}

const invalidCredentials = () => unauthorized('The email or password is incorrect.', 'invalid_credentials');
const invalidRefresh = () => unauthorized('The refresh token is not valid. Please sign in again.', 'invalid_refresh_token');

export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTtlMs: number,
    private readonly log: Logger,
  ) {}

  async register(email: unknown, password: unknown): Promise<{ user: PublicUser } & TokenPair> {
    const user = await this.createUser(parseEmail(email), checkPassword(password), 'user');
    if (!user) throw new HttpError(409, 'email_taken', 'An account with this email already exists.');
    return { user: toPublicUser(user), ...(await this.startSession(user)) };
  }

  async login(email: unknown, password: unknown): Promise<{ user: PublicUser } & TokenPair> {
    if (typeof email !== 'string' || typeof password !== 'string' || password.length > MAX_PASSWORD) {
      throw badRequest('Please give an email and a password.', 'invalid_request');
    }
    // Compared in the one canonical form; an address that could never be registered is refused as at registration.
    const user = await this.users.findByEmail(parseEmail(email));
    const ok = user ? await verifyPassword(password, user.password_hash) : await verifyAgainstDummy(password);
    if (!user || !ok) throw invalidCredentials();
    return { user: toPublicUser(user), ...(await this.startSession(user)) };
  }

  async refresh(refreshToken: unknown): Promise<TokenPair> {
    if (typeof refreshToken !== 'string' || refreshToken.length === 0 || refreshToken.length > 512) throw invalidRefresh();
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
  async logout(userId: string, refreshToken: unknown): Promise<void> {
    if (typeof refreshToken !== 'string' || refreshToken.length > 512) return;
    const found = await this.sessions.findToken(hashRefreshToken(refreshToken));
    if (found && found.userId === userId) await this.sessions.revoke(found.sessionId, 'logout');
  }

  async me(userId: string): Promise<Me> {
    const user = await this.users.findById(userId);
    if (!mayActNow(user)) throw unauthorized('The access token is not valid.', 'invalid_token');
    return { ...toPublicUser(user), usage: { ...(await this.users.usage(user.id)), quotaBytes: null } };
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

  private async createUser(email: string, password: string, role: Role): Promise<UserRow | null> {
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
    };
    return (await this.users.insertIfAbsent(row)) ? row : null;
  }

  private async startSession(user: UserRow): Promise<TokenPair> {
    const refresh = newRefreshToken();
    const sessionId = randomUUID();
    await this.sessions.create({ id: sessionId, userId: user.id, expiresAt: after(this.refreshTtlMs) }, refresh.hash);
    return { accessToken: this.accessTokens.sign(user, sessionId), refreshToken: refresh.token };
  }
}
