import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { HttpError } from '../http/errors.js';
import type { File } from '@dropline/contract';
import { isBlobMissing, type BlobInfo, type ByteRange } from '../storage/blobStore.js';

/**
 * A stored file's bytes, wherever the storage keeps them: the one way to read them (downloads,
 * shares, ZIPs). `read` streams the whole blob or an inclusive byte range; nothing is buffered whole.
 */
export interface StoredBytes {
  info: BlobInfo;
  read(range?: ByteRange): Promise<Readable>;
}

export const contentGone = () => new HttpError(410, 'content_gone', 'The bytes of this file are no longer stored.');

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

/** How a file's bytes are presented; by default an attachment of the file's own type. */
export interface Presentation {
  disposition?: Disposition;
  /** Instead of the file's own type (text previews are sent as plain text). */
  contentType?: string;
  /** More headers (a sandboxing Content-Security-Policy). */
  headers?: Record<string, string>;
}

export type StoredFile = Pick<File, 'filename' | 'mimeType'>;

/** A file's bytes as a download: attachment unless presented otherwise, never sniffed, revalidated on every use. */
export function sendContent(res: Response, file: StoredFile, bytes: StoredBytes, presentation: Presentation = {}): Promise<void> {
  return sendBytes(res, bytes, {
    'Content-Type': presentation.contentType ?? file.mimeType,
    'Content-Disposition': contentDisposition(file.filename, presentation.disposition),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-cache',
    ...presentation.headers,
  });
}

/**
 * Streams stored bytes with HTTP's details, whichever backend holds them: a single Range gives 206
 * and Content-Range (several are answered whole, as most servers do), an unsatisfiable one 416;
 * ETag/Last-Modified with If-None-Match/If-Modified-Since (304), If-Match/If-Unmodified-Since (412)
 * and If-Range are honoured; HEAD gets headers only. Only the bytes asked for are read.
 */
export async function sendBytes(res: Response, bytes: StoredBytes, headers: Record<string, string>): Promise<void> {
  const req = res.req;
  const { size, etag, modified } = bytes.info;
  const lastModified = modified.toUTCString();
  if (!preconditionsHold(req.get('if-match'), req.get('if-unmodified-since'), etag, modified)) {
    throw new HttpError(412, 'precondition_failed', 'The file does not match the request precondition.');
  }
  res.set({ 'Accept-Ranges': 'bytes', ETag: etag, 'Last-Modified': lastModified });
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  let range: ByteRange | undefined;
  if (req.get('range') !== undefined && ifRangeHolds(req.get('if-range'), etag, lastModified)) {
    const ranges = req.range(size, { combine: false });
    if (ranges === -1) {
      throw new HttpError(416, 'range_not_satisfiable', 'The requested range is outside the file.', { 'Content-Range': `bytes */${size}` });
    }
    // Malformed ranges (-2), other units and several ranges are answered with the whole file.
    if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) range = ranges[0];
  }
  // setHeader, not res.set: express would add a charset to the file's own Content-Type.
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (range)
    res.status(206).set({ 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': String(range.end - range.start + 1) });
  else res.status(200).set('Content-Length', String(size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  let stream: Readable;
  try {
    stream = await bytes.read(range ?? (size === 0 ? undefined : { start: 0, end: size - 1 }));
  } catch (err) {
    throw isBlobMissing(err) ? contentGone() : err;
  }
  try {
    await pipeline(stream, res);
  } catch (err) {
    // The client went away mid-transfer: nobody is left to answer. A storage failure mid-way cuts the
    // response short, which the client sees as a short body, never as a complete one.
    if (!res.headersSent) throw err;
    res.destroy();
  }
}

/** If-Match (strong comparison) and, without it, If-Unmodified-Since (RFC 9110 13.2.2). */
function preconditionsHold(ifMatch: string | undefined, ifUnmodifiedSince: string | undefined, etag: string, modified: Date): boolean {
  if (ifMatch !== undefined) {
    const tags = ifMatch.split(',').map((tag) => tag.trim());
    return tags.includes('*') || tags.includes(etag);
  }
  if (ifUnmodifiedSince !== undefined) {
    const since = Date.parse(ifUnmodifiedSince);
    return Number.isNaN(since) || Math.floor(modified.getTime() / 1000) * 1000 <= since;
  }
  return true;
}

/** A Range is honoured only while If-Range (an ETag or a date) still names these bytes. */
function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  return value.startsWith('"') || value.startsWith('W/') ? value === etag : value === lastModified;
}
