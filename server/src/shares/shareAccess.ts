import jwt from 'jsonwebtoken';
import { passwordVersion } from '../auth/passwords.js';
import { PurposeTokens } from '../auth/tokens.js';
import { unauthorized } from '../http/errors.js';

/**
 * What unlocking a share's password gives: a token good for that one share, of its own purpose
 * (PurposeTokens), so an account token never verifies here and this token never verifies as an
 * account token. It names the password it was issued under (a digest of its hash), so changing or
 * removing the password ends every token at once.
 */
export class ShareAccessTokens {
  private readonly tokens: PurposeTokens;

  constructor(jwtSecret: string, ttlMs: number) {
    this.tokens = new PurposeTokens(jwtSecret, 'dropline:share', ttlMs);
  }

  sign(shareId: string, passwordHash: string): { accessToken: string; expiresAt: string } {
    const { token, expiresAt } = this.tokens.sign(shareId, { pw: passwordVersion(passwordHash) });
    return { accessToken: token, expiresAt };
  }

  /** Throws the contract's 401 unless `token` was issued for this share under its current password. */
  verify(token: string, shareId: string, passwordHash: string): void {
    let claims: jwt.JwtPayload;
    try {
      claims = this.tokens.verify(token, shareId);
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw unauthorized('The access to this share has expired; unlock it again.', 'token_expired');
      throw unauthorized('This access token is not valid for this share.', 'invalid_token');
    }
    if (claims.pw !== passwordVersion(passwordHash)) throw unauthorized('This access token is not valid for this share.', 'invalid_token');
  }
}
