import type { Response } from 'express';
import { HttpError } from '../http/errors.js';
import type { File } from '@dropline/contract';

/** `inline` only for previews that are sandboxed (see the shares' public routes). */
export type Disposition = 'attachment' | 'inline';

/**
 * `attachment` with an ASCII fallback and the exact name RFC 5987-encoded (RFC 6266), so every
 * browser saves the file under its name and none renders it in our origin.
 */
export function contentDisposition(filename: string, disposition: Disposition = 'attachment'): string {
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Streams a file's bytes from disk. `send` (behind res.sendFile) does the HTTP details: a single
 * Range gives 206 and Content-Range, several are answered whole, ETag/Last-Modified and If-Range
 * are honoured, HEAD gets headers only.
 */
export interface Presentation {
  disposition?: Disposition;
  /** Instead of the file's own type (text previews are sent as plain text). */
  contentType?: string;
  /** More headers (a sandboxing Content-Security-Policy). */
  headers?: Record<string, string>;
}

export type StoredFile = Pick<File, 'filename' | 'mimeType'>;

export function sendContent(res: Response, file: StoredFile, path: string, presentation: Presentation = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = {
      headers: {
        'Content-Type': presentation.contentType ?? file.mimeType,
        'Content-Disposition': contentDisposition(file.filename, presentation.disposition),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'private, no-cache',
        ...presentation.headers,
      },
      acceptRanges: true,
      cacheControl: false,
      dotfiles: 'allow' as const,
    };
    res.sendFile(path, options, (err?: Error & { status?: number; code?: string; headers?: Record<string, string> }) => {
      if (!err) return resolve();
      if (err.code === 'ENOENT') {
        reject(new HttpError(410, 'content_gone', 'The bytes of this file are no longer stored.'));
      } else if (err.status === 416) {
        reject(new HttpError(416, 'range_not_satisfiable', 'The requested range is outside the file.', err.headers ?? {}));
      } else if (err.status === 412) {
        reject(new HttpError(412, 'precondition_failed', 'The file does not match the request precondition.'));
      } else if (res.headersSent) {
        // The client went away mid-transfer; there is nobody left to answer.
        resolve();
      } else {
        reject(err);
      }
    });
  });
}
