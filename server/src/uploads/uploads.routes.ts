import { Router, type Request, type RequestHandler } from 'express';
import type { Server } from '@tus/server';
import { TUS_RESUMABLE, TUS_VERSION } from '@tus/utils';
import { currentUploader, currentUser } from '../auth/authenticate.js';
import { sendContent } from '../files/content.js';
import type { FilesService } from '../files/files.service.js';
import { HttpError, notFound } from '../http/errors.js';
import type { Concatenation } from './concatenation.js';
import { INTEROP_HEADER, type IetfUploads } from './ietfDraft.js';
import { TUS_PATH } from './tusServer.js';
import {
  CHECKSUM_ALGORITHMS,
  type Checksum,
  parseChecksum,
  uploadLimitHeader,
  uploadRequest,
  type UploadLimits,
  type UploadRequestLimits,
} from './uploadRequest.js';

const OFFSET_OCTET_STREAM = 'application/offset+octet-stream';
const mediaType = (value: string | undefined) => value?.split(';')[0]?.trim().toLowerCase();

/** Errors answered here rather than by tus still carry what tus clients and browsers look for. */
function tusRefusal(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, code, message, {
    'Tus-Resumable': TUS_RESUMABLE,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Tus-Resumable, Tus-Version, Upload-Offset, Upload-Limit',
    ...headers,
  });
}

/**
 * The tus conformance checks @tus/server gets wrong or lacks (412 for any unsupported version,
 * 415 for a PATCH's Content-Type, 400 without Upload-Offset, 413 over MAX_CHUNK_SIZE, a malformed
 * Upload-Checksum), and what the store's write must enforce for this request.
 */
function checkTusRequest(req: Request, limits: UploadLimits): UploadRequestLimits {
  const version = req.get('tus-resumable');
  if (version !== undefined && version !== TUS_RESUMABLE) {
    throw tusRefusal(412, 'unsupported_tus_version', `This server speaks tus ${TUS_VERSION.join(', ')}.`, { 'Tus-Version': TUS_VERSION.join(',') });
  }
  if (req.method === 'PATCH') {
    if (mediaType(req.get('content-type')) !== OFFSET_OCTET_STREAM) {
      throw tusRefusal(415, 'invalid_content_type', `Upload data must be sent as ${OFFSET_OCTET_STREAM}.`);
    }
    if (req.get('upload-offset') === undefined) throw tusRefusal(400, 'missing_upload_offset', 'An Upload-Offset header is required.');
  }
  const declared = Number(req.get('content-length') ?? 0);
  if (limits.maxChunkSize !== null && declared > limits.maxChunkSize) {
    throw tusRefusal(
      413,
      'chunk_too_large',
      `One request may carry at most ${limits.maxChunkSize} bytes (Upload-Limit max-append-size); send the rest in further requests.`,
      {
        Connection: 'close',
      },
    );
  }
  const checksumHeader = req.get('upload-checksum');
  let checksum: Checksum | undefined;
  try {
    checksum = checksumHeader === undefined ? undefined : parseChecksum(checksumHeader);
  } catch (err) {
    const { status, code, message } = err as HttpError;
    throw tusRefusal(status, code, message);
  }
  return { checksum, ...(limits.maxChunkSize === null ? {} : { maxAppend: limits.maxChunkSize }) };
}

/**
 * `/api/uploads/`: tus, behind the same gate as the API (only CORS preflights go without), which
 * also lets a file request's link in: such a caller reaches only its request's unfinished uploads.
 * A finished upload is a file, so GET and DELETE on its URL are the files API's download and delete.
 * Final concatenated uploads and the IETF draft (requests with Upload-Draft-Interop-Version) are
 * Dropline's own; everything else tus handles.
 */
export interface UploadProtocols {
  tus: Server;
  concatenation: Concatenation;
  ietf: IetfUploads;
}

export function uploadsRoutes(
  { tus, concatenation, ietf }: UploadProtocols,
  files: FilesService,
  limits: UploadLimits,
  urlOf: (id: string) => string,
  requireUploader: RequestHandler,
): Router {
  const router = Router();
  const handOver: RequestHandler = (req, res) => tus.handle(req, res);
  const uploadLimit = uploadLimitHeader(limits);
  router.options('/', (_req, res, next) => {
    res.set({ 'Upload-Limit': uploadLimit, 'Tus-Checksum-Algorithm': CHECKSUM_ALGORITHMS.join(',') });
    next();
  });
  router.use((req, res, next) => (req.method === 'OPTIONS' ? next() : requireUploader(req, res, next)));
  router.use(async (req, res, next) => {
    if (req.method === 'OPTIONS' || req.method === 'GET') return next();
    if (req.get(INTEROP_HEADER) !== undefined) return ietf.handle(req, res, currentUploader(req));
    const requestLimits = checkTusRequest(req, limits);
    if (req.method === 'POST') res.set('Upload-Limit', uploadLimit);
    const concat = req.get('upload-concat');
    if (req.method !== 'POST' || !concat?.startsWith('final')) return uploadRequest.run(requestLimits, next);
    if (req.get('tus-resumable') === undefined)
      throw tusRefusal(412, 'tus_resumable_required', 'This is a tus 1.0.0 endpoint: send Tus-Resumable: 1.0.0.', {
        'Tus-Version': TUS_VERSION.join(','),
      });
    if (req.get('upload-length') !== undefined)
      throw tusRefusal(400, 'invalid_concat', 'A final upload takes its length from its partial uploads: send no Upload-Length.');
    concatenation
      .createFinal(currentUploader(req), concat, req.get('upload-metadata'), TUS_PATH)
      .then((id) => {
        res.set({
          'Tus-Resumable': TUS_RESUMABLE,
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Expose-Headers': 'Location, Tus-Resumable, Upload-Limit',
        });
        res.location(urlOf(id)).status(201).end();
      })
      .catch((err: unknown) => next(err instanceof HttpError ? tusRefusal(err.status, err.code, err.message) : err));
  });
  // Registered before GET, which Express would otherwise also use for HEAD.
  router.head('/:id', handOver);
  router.get('/:id', async (req, res) => {
    const { file, bytes } = await files.content(currentUser(req), req.params.id);
    await sendContent(res, file, bytes);
  });
  router.delete('/:id', async (req, res, next) => {
    if (!(await files.exists(req.params.id))) return next();
    // A finished upload is the owner's file: a file request's link, which made it, has no say over it any more.
    if (currentUploader(req).kind !== 'account') throw notFound('There is no upload with this id.');
    await files.delete(currentUser(req), req.params.id);
    res.set('Tus-Resumable', TUS_RESUMABLE).status(204).end();
  });
  router.use(handOver);
  return router;
}
