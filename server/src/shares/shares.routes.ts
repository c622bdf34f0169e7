import { shareRoutes as routes, type File } from '@dropline/contract';
import { pipeline } from 'node:stream/promises';
import type { Request, Router } from 'express';
import { currentUser } from '../auth/authenticate.js';
import type { ByteRange } from '../archive/zip.js';
import { contentDisposition, sendContent, type Presentation } from '../files/content.js';
import { HttpError } from '../http/errors.js';
import type { OriginOf } from '../http/origin.js';
import { contractRouter } from '../http/route.js';
import type { SharesService, Visitor } from './shares.service.js';

/** `/api/shares`, behind requireAuth: the owner's side. */
export function sharesRoutes(shares: SharesService, originOf: OriginOf): Router {
  return contractRouter('/api/shares')
    .on(routes.create, ({ body }, req) => shares.create(currentUser(req), body, originOf(req)))
    .on(routes.list, ({ query }, req) => shares.list(currentUser(req), query, originOf(req)))
    .on(routes.get, ({ params }, req) => shares.get(currentUser(req), params.id, originOf(req)))
    .on(routes.update, ({ params, body }, req) => shares.update(currentUser(req), params.id, body, originOf(req)))
    .on(routes.delete, ({ params }, req) => shares.revoke(currentUser(req), params.id));
}

const BEARER = /^Bearer +(\S{1,4096}) *$/i;

/** The access token from unlock: `Authorization: Bearer`, or `?access=` for links (a video's src, a download). */
function visitor(req: Request, token: string, access: string | undefined): Visitor {
  const header = req.headers.authorization === undefined ? null : BEARER.exec(req.headers.authorization);
  return { token, accessToken: header?.[1] ?? access ?? null };
}

/**
 * Whether a response starts at byte 0 and so is a new download: no Range, a malformed one or
 * several (all answered whole), or one range from byte 0. A single range starting later continues
 * a download; an unsatisfiable one (416) and HEAD send no bytes.
 */
export function startsAtZero(req: Request, size: number): boolean {
  if (req.method === 'HEAD') return false;
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) return false;
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return true;
  return ranges[0]!.start === 0;
}

/**
 * The one byte range a request for a whole-share ZIP asks for: null for the whole archive (no
 * Range, a malformed one, several, or an If-Range that no longer names this archive), or
 * `unsatisfiable`. The ZIP is no stored blob, so this is the ranges' reading for it; files'
 * downloads get theirs from sendBytes.
 */
export function requestedRange(req: Request, size: number, etag: string): ByteRange | null | 'unsatisfiable' {
  if (req.headers.range === undefined) return null;
  const ifRange = req.get('if-range');
  if (ifRange !== undefined && ifRange.trim() !== etag) return null;
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return null;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

/**
 * How a preview is served: images, audio, video, PDF and text inline, each under a sandboxing CSP
 * and nosniff, so nothing in it can run script on this origin. SVG and HTML (active content) and
 * every other type stay attachments; text goes out as plain text, so markup is never rendered.
 */
export function previewOf(mimeType: string): Presentation | null {
  const type = mimeType.toLowerCase().split(';')[0]!.trim();
  if (type === 'image/svg+xml' || type.includes('html') || type.includes('xml') || type.includes('javascript')) return null;
  if (type.startsWith('text/')) return { disposition: 'inline', contentType: 'text/plain; charset=utf-8' };
  if (/^(image|audio|video)\//.test(type) || type === 'application/pdf') return { disposition: 'inline' };
  return null;
}

/** Every public response: even an attachment carries the sandbox, in case a browser shows it anyway. */
const SANDBOX = { 'Content-Security-Policy': 'sandbox', 'Referrer-Policy': 'no-referrer' };

/** `/api/public/shares`: no account; the token in the path is the credential. */
export function publicSharesRoutes(shares: SharesService): Router {
  return contractRouter('/api/public/shares')
    .on(routes.publicGet, ({ params, query }, req) => shares.view(visitor(req, params.token, query.access)))
    .on(routes.unlock, ({ params, body }) => shares.unlock(params.token, body.password))
    .on(routes.publicFile, async ({ params, query }, req, res) => {
      // A preview shown on the share's page is not a download: a one-download link would otherwise
      // be used up by looking at it before "download all".
      const preview = (file: File) => (query.inline === '1' ? previewOf(file.mimeType) : null);
      const { file, bytes } = await shares.download(
        visitor(req, params.token, query.access),
        params.fileId,
        (f) => preview(f) === null && startsAtZero(req, f.size),
      );
      const presentation = preview(file) ?? {};
      await sendContent(res, file, bytes, { ...presentation, headers: SANDBOX });
    })
    .on(routes.publicZip, async ({ params, query }, req, res) => {
      const { zip, filename, count } = await shares.archive(visitor(req, params.token, query.access));
      const range = requestedRange(req, zip.size, zip.etag);
      if (range === 'unsatisfiable') {
        throw new HttpError(416, 'range_not_satisfiable', 'The requested range is outside the archive.', { 'Content-Range': `bytes */${zip.size}` });
      }
      const { start, end } = range ?? { start: 0, end: zip.size - 1 };
      if (start === 0 && req.method !== 'HEAD') await count();
      res.status(range ? 206 : 200).set({
        ...SANDBOX,
        'Content-Type': 'application/zip',
        'Content-Disposition': contentDisposition(filename),
        'Content-Length': String(end - start + 1),
        'Accept-Ranges': 'bytes',
        ETag: zip.etag,
        'Cache-Control': 'private, no-cache',
        ...(range ? { 'Content-Range': `bytes ${start}-${end}/${zip.size}` } : {}),
      });
      if (req.method === 'HEAD') return void res.end();
      try {
        await pipeline(
          zip.stream((entry, from, to) => entry.bytes.read({ start: from, end: to }), { start, end }),
          res,
        );
      } catch {
        // The visitor went away mid-download (or a file vanished under it): the response is cut
        // short, which a client sees as an interrupted download to resume, never as a whole one.
        res.destroy();
      }
    });
}
