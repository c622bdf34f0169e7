import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { passwordVersion } from '../auth/passwords.js';
import { derivedKey } from '../auth/tokens.js';
import { unauthorized } from '../http/errors.js';

const AUDIENCE = 'dropline:share';

/**
 * What unlocking a share's password gives: a JWT good for that one share. Its key is derived from
 * JWT_SECRET for this audience alone (as download links' is), so an account token never verifies
 * here and this token never verifies as an account token. It names the password it was issued
 * under (a digest of its hash), so changing or removing the password ends every token at once.
 */
export class ShareAccessTokens {
  private readonly key: KeyObject;

  constructor(
    jwtSecret: string,
    private readonly ttlMs: number,
  ) {
    this.key = derivedKey(jwtSecret, AUDIENCE);
  }

  sign(shareId: string, passwordHash: string): { accessToken: string; expiresAt: string } {
    const seconds = Math.max(1, Math.floor(this.ttlMs / 1000));
    const accessToken = jwt.sign({ pw: passwordVersion(passwordHash) }, this.key, {
      algorithm: 'HS256',
      audience: AUDIENCE,
      subject: shareId,
      expiresIn: seconds,
    });
    return { accessToken, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() };
  }

  /** Throws the contract's 401 unless `token` was issued for this share under its current password. */
  verify(token: string, shareId: string, passwordHash: string): void {
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, subject: shareId });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw unauthorized('The access to this share has expired; unlock it again.', 'token_expired');
      throw unauthorized('This access token is not valid for this share.', 'invalid_token');
    }
    if (typeof claims !== 'object' || typeof claims.exp !== 'number' || claims.pw !== passwordVersion(passwordHash)) {
      throw unauthorized('This access token is not valid for this share.', 'invalid_token');
    }
  }
}
