import type { ServerResponse } from 'node:http';
import { EVENTS, Server, TUS_VERSION, type ServerOptions } from '@tus/server';
import type { Locker } from '@tus/utils';
import { mayAccessUpload, type Uploader } from '../auth/ownership.js';
import type { UploadRow } from '../db/schema.js';
import { notFound, unauthorized } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { isSafeId, newId } from '../storage/storageLayout.js';
import type { Ingest } from './ingest.js';
import { contractError, tusErrorResponse } from './tusErrors.js';
import type { UploadAdmission } from './uploadAdmission.js';
import { protocolMismatch } from './uploadRequest.js';
import type { UploadsRepository } from './uploads.repository.js';
import type { UploadStore } from './uploadStore.js';

export const TUS_PATH = '/api/uploads';

/** An upload's URL as every protocol gives it out: under PUBLIC_URL when set, else relative. */
export const uploadUrl = (publicUrl: string | null, id: string): string => `${publicUrl ?? ''}${TUS_PATH}/${id}`;

type TusRequest = Parameters<NonNullable<ServerOptions['onIncomingRequest']>>[0];

export interface TusDeps {
  store: UploadStore;
  uploads: UploadsRepository;
  admission: UploadAdmission;
  ingest: Ingest;
  maxUploadSize: number;
  /** Shared across nodes (Redis) when several serve one upload directory; in-process otherwise. */
  locker: Locker;
  /** Location is built from it when set, else relative: never from the client's Host or X-Forwarded-* headers. */
  publicUrl: string | null;
  log: Logger;
}

/**
 * Every error tus answers goes through `write`: the ones it raises (after onResponseError) and the
 * ones it writes directly (412, invalid headers). Here they all become the contract's JSON.
 */
class ContractTusServer extends Server {
  override async write(...[context, headers, status, body = '']: Parameters<Server['write']>): ReturnType<Server['write']> {
    if (status < 400) return super.write(context, headers, status, body);
    headers.set('Content-Type', 'application/json; charset=utf-8');
    if (status === 412) headers.set('Tus-Version', TUS_VERSION.join(','));
    // onResponseError already made JSON; the bodies tus writes itself are plain text.
    const json = body.startsWith('{') ? body : JSON.stringify(contractError(status, body));
    return super.write(context, headers, status, json);
  }
}

/** HEAD's Upload-Concat: "partial", or "final;" and the partials' URLs in order. */
function uploadConcatHeader(upload: UploadRow): string {
  if (upload.concat === 'partial') return 'partial';
  const parts = JSON.parse(upload.parts ?? '[]') as string[];
  return `final;${parts.map((id) => `${TUS_PATH}/${id}`).join(' ')}`;
}

/** The account or file request's link that the uploads gate put on the Node request, before tus wrapped it. */
function uploaderOf(req: TusRequest): Uploader {
  const uploader = (req.runtime?.node?.req as Express.Request | undefined)?.uploader;
  if (!uploader) throw unauthorized();
  return uploader;
}

export function createTusServer(deps: TusDeps): Server {
  const { uploads, admission, ingest, log } = deps;
  const server = new ContractTusServer({
    path: TUS_PATH,
    datastore: deps.store,
    maxSize: deps.maxUploadSize,
    respectForwardedHeaders: false,
    ...(deps.publicUrl === null
      ? { relativeLocation: true }
      : { generateUrl: (_req: unknown, { id }: { path: string; id: string }) => uploadUrl(deps.publicUrl, id) }),
    namingFunction: () => newId(),
    // What browsers may send and read beyond tus' own headers (checksum extension, Upload-Limit).
    allowedHeaders: ['Upload-Checksum'],
    exposedHeaders: ['Tus-Checksum-Algorithm', 'Upload-Limit', 'Upload-Expires'],
    locker: deps.locker,
    // Owner checks: a new upload gets its owner in onUploadCreate; for any other request, someone
    // else's upload (or a made-up id) is the same 404.
    onIncomingRequest: async (req, id) => {
      if (req.method === 'POST') return;
      const upload = isSafeId(id) ? await uploads.find(id) : undefined;
      if (!upload || !mayAccessUpload(uploaderOf(req), upload)) throw notFound('There is no upload with this id.');
      if (upload.protocol !== null) throw protocolMismatch();
      if (req.method !== 'HEAD') return;
      const res = req.runtime?.node?.res as ServerResponse | undefined;
      // tus sends Upload-Expires with POST and PATCH only; a client that checks with HEAD wants it too.
      if (upload.ingested_at === null) res?.setHeader('Upload-Expires', new Date(upload.expires_at).toUTCString());
      if (upload.concat) res?.setHeader('Upload-Concat', uploadConcatHeader(upload));
    },
    // The client's metadata is stored untouched (HEAD returns it as sent); the owner goes to our table.
    // Final uploads never get here (the routes hand them to Concatenation), so Upload-Concat is "partial".
    onUploadCreate: async (req, upload) => {
      const concat = req.headers.get('upload-concat') === 'partial' ? 'partial' : undefined;
      await admission.admit(uploaderOf(req), upload.id, upload.metadata ?? {}, upload.creation_date!, upload.size ?? 0, { concat });
      return {};
    },
    onUploadFinish: async (_req, upload) => {
      await ingest.ingest(upload.id);
      return {};
    },
    onResponseError: (_req, err) => tusErrorResponse(err, log),
  });
  server.on(EVENTS.POST_TERMINATE, (_req, _res, id) => {
    uploads.forget(id).catch((err: unknown) => log.error({ err, uploadId: id }, 'could not forget a terminated upload'));
  });
  return server;
}
