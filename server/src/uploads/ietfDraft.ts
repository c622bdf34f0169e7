import type { Request, Response } from 'express';
import { Metadata, Upload, type Locker } from '@tus/utils';
import { mayAccessUpload, type Uploader } from '../auth/ownership.js';
import { now } from '../db/time.js';
import { HttpError, badRequest, notFound } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { isSafeId, newId } from '../storage/storageLayout.js';
import type { Ingest } from './ingest.js';
import type { UploadAdmission } from './uploadAdmission.js';
import { protocolMismatch, uploadLimitHeader, uploadRequest, type UploadLimits } from './uploadRequest.js';
import type { UploadsRepository } from './uploads.repository.js';
import { isComplete, type UploadMetadata, type UploadStore } from './uploadStore.js';

export const INTEROP_HEADER = 'Upload-Draft-Interop-Version';

/**
 * What differs between the interop versions of draft-ietf-httpbis-resumable-upload that clients
 * ship: 3 = draft -01 (iOS 17), 5 = -03, 6 = -05, 8 = -09..-11 (iOS 26). Everything else is shared.
 */
interface DraftVersion {
  version: number;
  /** -01 says "incomplete" (Upload-Incomplete: ?1); later drafts say "complete" (Upload-Complete). */
  completeField: 'Upload-Complete' | 'Upload-Incomplete';
  /** From -05 on, appended bytes are sent as application/partial-upload. */
  partialUploadType: boolean;
}

const VERSIONS = new Map<string, DraftVersion>([
  ['3', { version: 3, completeField: 'Upload-Incomplete', partialUploadType: false }],
  ['5', { version: 5, completeField: 'Upload-Complete', partialUploadType: false }],
  ['6', { version: 6, completeField: 'Upload-Complete', partialUploadType: true }],
  ['8', { version: 8, completeField: 'Upload-Complete', partialUploadType: true }],
]);

/** A structured-field boolean (`?1` / `?0`); undefined when absent. */
function booleanField(req: Request, name: string): boolean | undefined {
  const value = req.get(name)?.trim();
  if (value === undefined) return undefined;
  if (value === '?1') return true;
  if (value === '?0') return false;
  throw badRequest(`${name} must be ?1 or ?0.`, 'invalid_header');
}

function integerField(req: Request, name: string): number | undefined {
  const value = req.get(name)?.trim();
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value)) throw badRequest(`${name} must be a whole number of bytes.`, 'invalid_header');
  return Number(value);
}

/** `Content-Disposition: attachment; filename="…"` (or RFC 8187 `filename*=UTF-8''…`). */
function filenameOf(disposition: string | undefined): string | undefined {
  if (!disposition) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      throw badRequest('The filename* in Content-Disposition is not valid percent-encoded UTF-8.', 'invalid_header');
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(disposition);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1');
  return /filename\s*=\s*([^;\s]+)/i.exec(disposition)?.[1];
}

/** Content types that say nothing about the file itself. */
const GENERIC_TYPES = new Set(['application/octet-stream', 'application/partial-upload', 'application/offset+octet-stream']);

/**
 * The IETF resumable-upload draft on the same endpoint as tus, as tusd serves both: the same
 * store, owner checks, limits, hashing and ingest, with the per-version differences above. An
 * upload created here is marked so, and only this protocol may continue it.
 */
export class IetfUploads {
  constructor(
    private readonly store: UploadStore,
    private readonly uploads: UploadsRepository,
    private readonly admission: UploadAdmission,
    private readonly ingest: Ingest,
    private readonly locker: Locker,
    private readonly limits: UploadLimits,
    /** An upload's URL (Location) from its id. */
    private readonly urlOf: (id: string) => string,
    private readonly log: Logger,
  ) {}

  async handle(req: Request, res: Response, uploader: Uploader): Promise<void> {
    try {
      await this.dispatch(req, res, uploader);
    } catch (err) {
      // An interrupted request kept what arrived; there is no one left to answer.
      if (!res.socket || res.socket.destroyed) {
        this.log.debug({ err }, 'resumable upload request interrupted');
        return;
      }
      throw err;
    }
  }

  private async dispatch(req: Request, res: Response, uploader: Uploader): Promise<void> {
    const draft = VERSIONS.get(req.get(INTEROP_HEADER)!.trim());
    if (!draft) throw badRequest(`${INTEROP_HEADER} must be one of ${[...VERSIONS.keys()].join(', ')}.`, 'unsupported_interop_version');
    res.set(INTEROP_HEADER, String(draft.version));
    const id = req.path === '/' ? null : req.path.slice(1);
    if (req.method === 'POST' && id === null) return this.create(req, res, uploader, draft);
    if (id === null || !isSafeId(id)) throw notFound('There is no upload with this id.');
    const record = await this.uploads.find(id);
    if (!record || !mayAccessUpload(uploader, record)) throw notFound('There is no upload with this id.');
    if (record.protocol !== 'ietf') throw protocolMismatch();
    switch (req.method) {
      case 'HEAD':
        return this.offset(res, id, draft);
      case 'PATCH':
        return this.append(req, res, id, draft);
      case 'DELETE':
        return this.cancel(res, id);
      default:
        throw new HttpError(405, 'method_not_allowed', 'Use POST, HEAD, PATCH or DELETE.');
    }
  }

  private completeHeader(draft: DraftVersion, complete: boolean): Record<string, string> {
    const value = draft.completeField === 'Upload-Incomplete' ? !complete : complete;
    return { [draft.completeField]: value ? '?1' : '?0' };
  }

  /** Whether the request says its body ends the upload (required on creation, default yes on append). */
  private requestComplete(req: Request, draft: DraftVersion): boolean | undefined {
    const value = booleanField(req, draft.completeField);
    return value === undefined ? undefined : draft.completeField === 'Upload-Incomplete' ? !value : value;
  }

  private async create(req: Request, res: Response, uploader: Uploader, draft: DraftVersion): Promise<void> {
    const complete = this.requestComplete(req, draft);
    if (complete === undefined) throw badRequest(`Creating an upload needs ${draft.completeField}.`, 'invalid_header');
    const declared = integerField(req, 'Upload-Length');
    const bodyLength = integerField(req, 'Content-Length');
    if (complete && declared !== undefined && bodyLength !== undefined && declared !== bodyLength) {
      throw badRequest('Upload-Length does not match the body of a request that completes the upload.', 'length_mismatch');
    }
    const size = declared ?? (complete ? bodyLength : undefined);
    if (size !== undefined && size > this.limits.maxUploadSize) {
      throw new HttpError(413, 'file_too_large', `The file is larger than the ${this.limits.maxUploadSize} bytes this server accepts.`);
    }
    this.checkAppendSize(bodyLength);

    const id = newId();
    const createdAt = now();
    const metadata = this.metadataOf(req);
    await this.admission.admit(uploader, id, metadata, createdAt, size ?? 0, { protocol: 'ietf' });
    await this.store.create(new Upload({ id, size, offset: 0, metadata, creation_date: createdAt }));
    const location = this.urlOf(id);
    res.set({ Location: location, 'Upload-Limit': uploadLimitHeader(this.limits) });
    // Before reading the body: the client learns where to resume even if this request breaks.
    sendUploadResumptionSupported(res, {
      [INTEROP_HEADER]: String(draft.version),
      Location: location,
      'Upload-Limit': uploadLimitHeader(this.limits),
    });
    const { offset, done } = await this.receive(req, draft, id, 0, complete);
    res
      .status(201)
      .set({ 'Upload-Offset': String(offset), ...this.completeHeader(draft, done) })
      .end();
  }

  private async offset(res: Response, id: string, draft: DraftVersion): Promise<void> {
    const upload = await this.store.findUpload(id);
    if (!upload) throw notFound('There is no upload with this id.');
    const headers: Record<string, string> = {
      'Upload-Offset': String(upload.offset),
      ...this.completeHeader(draft, isComplete(upload)),
      'Upload-Limit': uploadLimitHeader(this.limits),
      'Cache-Control': 'no-store',
    };
    if (upload.size !== undefined) headers['Upload-Length'] = String(upload.size);
    res.status(204).set(headers).end();
  }

  private async append(req: Request, res: Response, id: string, draft: DraftVersion): Promise<void> {
    if (draft.partialUploadType && req.get('content-type')?.split(';')[0]?.trim().toLowerCase() !== 'application/partial-upload') {
      throw new HttpError(415, 'invalid_content_type', 'Appended bytes must be sent as application/partial-upload.');
    }
    const offset = integerField(req, 'Upload-Offset');
    if (offset === undefined) throw badRequest('An Upload-Offset header is required.', 'missing_upload_offset');
    this.checkAppendSize(integerField(req, 'Content-Length'));
    const complete = this.requestComplete(req, draft) ?? true;
    const declared = integerField(req, 'Upload-Length');
    const { offset: reached, done } = await this.receive(req, draft, id, offset, complete, declared);
    res
      .status(204)
      .set({ 'Upload-Offset': String(reached), ...this.completeHeader(draft, done) })
      .end();
  }

  private async cancel(res: Response, id: string): Promise<void> {
    await this.withLock(id, undefined, async () => {
      await this.store.discard(id);
      await this.uploads.forget(id);
    });
    res.status(204).end();
  }

  /**
   * Writes the request's body at `offset` under the upload's lock; a request that completes the
   * upload fixes its length and hands it to the ingest. A 409 carries the offset to resume from.
   */
  private async receive(
    req: Request,
    draft: DraftVersion,
    id: string,
    offset: number,
    complete: boolean,
    declared?: number,
  ): Promise<{ offset: number; done: boolean }> {
    return this.withLock(id, req, async () => {
      let upload = await this.store.getUpload(id);
      if (isComplete(upload) || upload.offset !== offset) {
        throw new HttpError(409, 'offset_mismatch', 'Upload-Offset does not match the bytes received so far; ask with HEAD and resume from there.', {
          'Upload-Offset': String(upload.offset),
          ...this.completeHeader(draft, isComplete(upload)),
        });
      }
      if (declared !== undefined && upload.size === undefined) {
        if (declared < offset || declared > this.limits.maxUploadSize)
          throw badRequest('Upload-Length is not possible for this upload.', 'invalid_upload_length');
        await this.store.declareUploadLength(id, declared);
        upload = await this.store.getUpload(id);
      }
      const limits = this.limits.maxChunkSize === null ? {} : { maxAppend: this.limits.maxChunkSize };
      const reached = await uploadRequest.run(limits, () => this.store.write(req, id, offset));
      if (upload.size !== undefined && reached > upload.size) throw badRequest("The data goes beyond the upload's length.", 'upload_length_exceeded');
      if (!complete) return { offset: reached, done: false };
      if (upload.size === undefined) await this.store.declareUploadLength(id, reached);
      else if (reached !== upload.size) {
        throw badRequest(`The upload was to have ${upload.size} bytes but ends at ${reached}; resume from there.`, 'length_mismatch');
      }
      await this.ingest.ingest(id);
      return { offset: reached, done: true };
    });
  }

  private checkAppendSize(bodyLength: number | undefined): void {
    const max = this.limits.maxChunkSize;
    if (max !== null && bodyLength !== undefined && bodyLength > max) {
      throw new HttpError(413, 'chunk_too_large', `One request may carry at most ${max} bytes (Upload-Limit max-append-size).`, {
        Connection: 'close',
      });
    }
  }

  /** The filename from Content-Disposition (tus-js-client's drafts mode sends Upload-Metadata instead), the type from Content-Type. */
  private metadataOf(req: Request): UploadMetadata {
    let metadata: UploadMetadata = {};
    const tusMetadata = req.get('upload-metadata');
    if (tusMetadata) {
      try {
        metadata = Metadata.parse(tusMetadata);
      } catch {
        throw badRequest('Upload-Metadata must be comma-separated "key base64value" pairs with unique keys.', 'invalid_metadata');
      }
    }
    const filename = filenameOf(req.get('content-disposition')) ?? metadata.filename;
    const type = req.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    const filetype = type && !GENERIC_TYPES.has(type) ? type : metadata.filetype;
    return { ...metadata, filename: filename ?? null, ...(filetype ? { filetype } : {}) };
  }

  /**
   * Holds the upload's lock while `work` runs. Asked to let go by a newer request (the draft's
   * advice: the client has moved on), this one stops reading its body.
   */
  private async withLock<T>(id: string, req: Request | undefined, work: () => Promise<T>): Promise<T> {
    const lock = this.locker.newLock(id);
    const stop = new AbortController();
    await lock.lock(stop.signal, () => {
      req?.destroy();
    });
    try {
      return await work();
    } finally {
      await lock.unlock();
    }
  }
}

/**
 * The 104 interim response. Node can send only 100, 102 and 103 itself, so this one is written to
 * the socket before the final response's head; HTTP/1.0 clients cannot receive interim responses.
 */
function sendUploadResumptionSupported(res: Response, headers: Record<string, string>): void {
  if (res.headersSent || res.req.httpVersion !== '1.1' || !res.socket) return;
  const fields = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  res.socket.write(`HTTP/1.1 104 Upload Resumption Supported\r\n${fields}\r\n`);
}
