import { passwordVersion } from '../auth/passwords.js';
import { PurposeTokens } from '../auth/tokens.js';

/** Long enough for a big upload to be resumed the next day without unlocking again. */
export const REQUEST_ACCESS_TTL_MS = 24 * 3600_000;

/**
 * The access token an unlocked file request hands out: good for that request only, and only while
 * its password is the one it was unlocked with. Tokens of their own purpose (PurposeTokens), so an
 * account token never verifies here, and this one never as an account token.
 */
export class RequestAccess {
  private readonly tokens: PurposeTokens;

  constructor(jwtSecret: string) {
    // The key's label predates PurposeTokens: kept, so tokens handed out before still verify.
    this.tokens = new PurposeTokens(jwtSecret, 'dropline:file-request', REQUEST_ACCESS_TTL_MS, 'dropline file-request access tokens');
  }

  sign(requestId: string, passwordHash: string): { accessToken: string; expiresAt: string } {
    const { token, expiresAt } = this.tokens.sign(requestId, { pw: passwordVersion(passwordHash) });
    return { accessToken: token, expiresAt };
  }

  /** Whether `token` unlocks this request with its current password. */
  verify(token: string, requestId: string, passwordHash: string): boolean {
    try {
      return this.tokens.verify(token, requestId).pw === passwordVersion(passwordHash);
    } catch {
      return false;
    }
  }
}
