import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { passwordVersion } from '../auth/passwords.js';
import { derivedKey } from '../auth/tokens.js';

/** Distinct from account tokens by key, audience and claims, so neither is ever taken for the other. */
const AUDIENCE = 'dropline:file-request';

/** Long enough for a big upload to be resumed the next day without unlocking again. */
export const REQUEST_ACCESS_TTL_MS = 24 * 3600_000;

/**
 * The access token an unlocked file request hands out: good for that request only, and only while
 * its password is the one it was unlocked with. Signed with a key derived from JWT_SECRET for this
 * purpose alone, so an account token never verifies here, and this one never as an account token
 * (which is checked with JWT_SECRET itself and needs a role).
 */
export class RequestAccess {
  private readonly key: KeyObject;

  constructor(jwtSecret: string) {
    this.key = derivedKey(jwtSecret, 'dropline file-request access tokens');
  }

  sign(requestId: string, passwordHash: string, at = Date.now()): { accessToken: string; expiresAt: string } {
    const exp = Math.floor((at + REQUEST_ACCESS_TTL_MS) / 1000);
    const accessToken = jwt.sign({ pw: passwordVersion(passwordHash), exp }, this.key, {
      algorithm: 'HS256',
      audience: AUDIENCE,
      subject: requestId,
    });
    return { accessToken, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** Whether `token` unlocks this request with its current password. */
  verify(token: string, requestId: string, passwordHash: string): boolean {
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, subject: requestId });
      return typeof claims === 'object' && typeof claims.exp === 'number' && claims.pw === passwordVersion(passwordHash);
    } catch {
      return false;
    }
  }
}
