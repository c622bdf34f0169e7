import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { derivedKey } from '../auth/tokens.js';
import { unauthorized } from '../http/errors.js';

const AUDIENCE = 'dropline:download';

/**
 * Short-lived signed links to one file's bytes, so a browser can stream a multi-GB download
 * itself (an `<a href>` can't send a bearer header). The key is derived from JWT_SECRET, and the
 * audience differs, so an access token is never a download link and a link never an access token.
 */
export class DownloadLinks {
  private readonly key: KeyObject;

  constructor(
    jwtSecret: string,
    private readonly ttlMs: number,
  ) {
    this.key = derivedKey(jwtSecret, AUDIENCE);
  }

  sign(fileId: string, userId: string): { token: string; expiresAt: string } {
    const seconds = Math.max(1, Math.floor(this.ttlMs / 1000));
    const token = jwt.sign({ fid: fileId }, this.key, { algorithm: 'HS256', audience: AUDIENCE, subject: userId, expiresIn: seconds });
    return { token, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() };
  }

  /** The file and user a link was made for, or the contract's 401. */
  verify(token: string): { fileId: string; userId: string } {
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE });
      if (typeof claims === 'object' && typeof claims.fid === 'string' && typeof claims.sub === 'string') {
        return { fileId: claims.fid, userId: claims.sub };
      }
    } catch {
      // falls through to the one answer for every bad link
    }
    throw unauthorized('This download link is not valid or has expired.', 'invalid_download_link');
  }
}
