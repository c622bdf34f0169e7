import { PurposeTokens } from '../auth/tokens.js';
import { unauthorized } from '../http/errors.js';

/**
 * Short-lived signed links to one file's bytes, so a browser can stream a multi-GB download
 * itself (an `<a href>` can't send a bearer header). Tokens of their own purpose (PurposeTokens), so
 * an access token is never a download link and a link never an access token.
 */
export class DownloadLinks {
  private readonly tokens: PurposeTokens;

  constructor(jwtSecret: string, ttlMs: number) {
    this.tokens = new PurposeTokens(jwtSecret, 'dropline:download', ttlMs);
  }

  sign(fileId: string, userId: string): { token: string; expiresAt: string } {
    return this.tokens.sign(userId, { fid: fileId });
  }

  /** The file and user a link was made for, or the contract's 401. */
  verify(token: string): { fileId: string; userId: string } {
    try {
      const claims = this.tokens.verify(token);
      if (typeof claims.fid === 'string') return { fileId: claims.fid, userId: claims.sub };
    } catch {
      // falls through to the one answer for every bad link
    }
    throw unauthorized('This download link is not valid or has expired.', 'invalid_download_link');
  }
}
