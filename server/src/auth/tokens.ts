import { createHash, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from '../db/schema.js';
import { unauthorized } from '../http/errors.js';

export interface AuthUser {
  id: string;
  role: Role;
}

/** A verified token's user, and when the token stops being valid (ms since the epoch). */
export interface VerifiedToken extends AuthUser {
  expiresAt: number;
  /** The login session the token was issued for (`sid`), when it names one. */
  sessionId: string | null;
}

/**
 * An HMAC secret as the KeyObject jsonwebtoken takes as it is. Given a string or a Buffer, it first
 * tries to parse it as a PEM public (verify) or private (sign) key, and that failed parse cost
 * 0.75 ms of the event loop per call against 14 us with a KeyObject: a third of the CPU of a small
 * API request, which verifies a token twice (rate limit, then authentication).
 */
export const hmacKey = (secret: string | Buffer): KeyObject => createSecretKey(typeof secret === 'string' ? Buffer.from(secret) : secret);

/**
 * Tokens of one purpose (download links, share and request access): HS256 with the algorithm
 * pinned, the purpose as their audience, signed with a key derived from JWT_SECRET for it alone. No
 * other purpose's token and no account token verifies here, and none of these as an account token
 * (checked with JWT_SECRET itself, and needing a role).
 */
export class PurposeTokens {
  private readonly key: KeyObject;

  /** `keyLabel` is what the key is derived with: the audience, unless tokens out there were signed with another. */
  constructor(
    jwtSecret: string,
    private readonly audience: string,
    private readonly ttlMs: number,
    keyLabel: string = audience,
  ) {
    this.key = hmacKey(createHmac('sha256', jwtSecret).update(keyLabel).digest());
  }

  /** A token for `subject` carrying `claims`, good for the TTL (a second at least), and the moment it expires. */
  sign(subject: string, claims: Record<string, unknown>): { token: string; expiresAt: string } {
    const exp = Math.floor(Date.now() / 1000) + Math.max(1, Math.floor(this.ttlMs / 1000));
    const token = jwt.sign({ ...claims, exp }, this.key, { algorithm: 'HS256', audience: this.audience, subject });
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** The claims of a token signed here (for `subject`, when given); else jsonwebtoken's error, TokenExpiredError once it has expired. */
  verify(token: string, subject?: string): jwt.JwtPayload & { sub: string } {
    const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], audience: this.audience, ...(subject !== undefined && { subject }) });
    // jsonwebtoken checks `exp` only when present; a token without one would never expire.
    if (typeof claims !== 'object' || typeof claims.exp !== 'number' || typeof claims.sub !== 'string') {
      throw new jwt.JsonWebTokenError('not a token of this purpose');
    }
    return claims as jwt.JwtPayload & { sub: string };
  }
}

/** HS256 access tokens. The algorithm is pinned on verify, so `alg: none` and RS/ES tokens fail. */
export class AccessTokens {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly ttlMs: number,
  ) {
    this.key = hmacKey(secret);
  }

  /** `sid` ties the token to its login session, so ending the session (logout, reuse) ends the token too. */
  sign(user: AuthUser, sessionId: string): string {
    return jwt.sign({ role: user.role, sid: sessionId }, this.key, {
      algorithm: 'HS256',
      subject: user.id,
      expiresIn: Math.max(1, Math.floor(this.ttlMs / 1000)),
    });
  }

  /** Checks signature, algorithm and expiry (the account behind it is the Authenticator's part); throws the contract's 401. */
  verify(token: string): VerifiedToken {
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(token, this.key, { algorithms: ['HS256'] });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw unauthorized('The access token has expired.', 'token_expired');
      throw unauthorized('The access token is not valid.', 'invalid_token');
    }
    // jsonwebtoken checks `exp` only when present; a token without one would never expire.
    if (
      typeof claims !== 'object' ||
      typeof claims.sub !== 'string' ||
      claims.sub === '' ||
      typeof claims.exp !== 'number' ||
      (claims.sid !== undefined && typeof claims.sid !== 'string') ||
      (claims.role !== 'user' && claims.role !== 'admin')
    ) {
      throw unauthorized('The access token is not valid.', 'invalid_token');
    }
    return { id: claims.sub, role: claims.role, expiresAt: claims.exp * 1000, sessionId: typeof claims.sid === 'string' ? claims.sid : null };
  }
}

/** Refresh tokens are random and opaque; only their hash is stored, so a database leak yields none. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
