import { randomBytes } from 'node:crypto';
import type {
  CreateFileRequestBody,
  FileRequest,
  FileRequestAccess,
  FileRequestListQuery,
  FileRequestPage,
  PublicFileRequest,
  UpdateFileRequestBody,
} from '@dropline/contract';
import type { AuditLog } from '../audit/auditLog.js';
import type { RequestLinks } from '../auth/authenticate.js';
import { mayAccess, type RequestUploader } from '../auth/ownership.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { AuthUser } from '../auth/tokens.js';
import { decodeCursor, encodeCursor } from '../db/cursor.js';
import { now } from '../db/time.js';
import { HttpError, badRequest, notFound, unauthorized } from '../http/errors.js';
import type { GuessThrottle } from '../http/rateLimit.js';
import { isSafeId, newId } from '../storage/storageLayout.js';
import { requestExpired } from '../uploads/uploadAdmission.js';
import type { RequestAccess } from './requestAccess.js';
import type { FileRequestChanges, FileRequestRecord, RequestsRepository } from './requests.repository.js';

/** What a request's unfinished uploads hold back from its limits (the uploads repository answers). */
export interface PendingUploads {
  pendingThroughRequest(requestId: string): Promise<{ files: number; bytes: number }>;
}

/** What the public page tells uploaders about single files (the deployment's limits). */
export interface UploadRules {
  maxUploadSize: number | null;
  allowedFileTypes: string[] | null;
}

/** 24 random bytes: 192 bits, base64url (32 characters). */
const newToken = () => randomBytes(24).toString('base64url');
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

const isExpired = (request: FileRequestRecord) => request.expires_at !== null && request.expires_at <= now();
const unknownLink = () => notFound('There is no file request at this address. It may have been deleted.');

/**
 * File requests: their owners manage them; anyone holding the link sees the public page, unlocks
 * it with its password, and (through the Authenticator, as a `RequestLinks`) uploads with it.
 */
export class RequestsService implements RequestLinks {
  constructor(
    private readonly requests: RequestsRepository,
    private readonly pending: PendingUploads,
    private readonly access: RequestAccess,
    private readonly throttle: GuessThrottle,
    private readonly audit: AuditLog,
    private readonly rules: UploadRules,
  ) {}

  async create(user: AuthUser, body: CreateFileRequestBody, origin: string): Promise<FileRequest> {
    const id = newId();
    const title = body.title;
    const hasPassword = Boolean(body.password);
    await this.requests.create(
      {
        id,
        ownerId: user.id,
        token: newToken(),
        title: body.title,
        message: body.message ?? null,
        expiresAt: body.expiresAt ?? null,
        maxFiles: body.maxFiles ?? null,
        maxBytes: body.maxBytes ?? null,
        passwordHash: body.password ? await hashPassword(body.password) : null,
        createdAt: now(),
      },
      this.audit.write({
        action: 'request.create',
        actorId: user.id,
        targetType: 'request',
        targetId: id,
        details: { title, hasPassword, maxFiles: body.maxFiles ?? null, maxBytes: body.maxBytes ?? null },
      }),
    );
    return view((await this.requests.find(id))!, origin);
  }

  async list(user: AuthUser, query: FileRequestListQuery, origin: string): Promise<FileRequestPage> {
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (cursor === null && query.cursor !== undefined)
      throw badRequest('The cursor is not valid; use the nextCursor of a previous page.', 'invalid_query');
    const rows = await this.requests.listOf(user.id, cursor, query.limit);
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => view(r, origin)),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
    };
  }

  /** Someone else's (unless admin), deleted and unknown are the same 404. */
  private async owned(user: AuthUser, id: string): Promise<FileRequestRecord> {
    const request = isSafeId(id) ? await this.requests.find(id) : undefined;
    if (!request || !mayAccess(user, request.owner_id)) throw notFound('There is no file request with this id.');
    return request;
  }

  async get(user: AuthUser, id: string, origin: string): Promise<FileRequest> {
    return view(await this.owned(user, id), origin);
  }

  async update(user: AuthUser, id: string, body: UpdateFileRequestBody, origin: string): Promise<FileRequest> {
    const request = await this.owned(user, id);
    const changes: FileRequestChanges = {
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.message !== undefined ? { message: body.message } : {}),
      ...(body.expiresAt !== undefined ? { expires_at: body.expiresAt } : {}),
      ...(body.maxFiles !== undefined ? { max_files: body.maxFiles } : {}),
      ...(body.maxBytes !== undefined ? { max_bytes: body.maxBytes } : {}),
      ...(body.password !== undefined ? { password_hash: body.password === null ? null : await hashPassword(body.password) } : {}),
    };
    await this.requests.update(request.id, changes, now());
    return this.get(user, id, origin);
  }

  async delete(user: AuthUser, id: string): Promise<void> {
    const request = await this.owned(user, id);
    await this.requests.markDeleted(request.id, now());
  }

  /** The link's request while it takes uploads: 404 unknown or deleted, 410 expired. */
  private async open(token: string): Promise<FileRequestRecord> {
    const request = TOKEN.test(token) ? await this.requests.findByToken(token) : undefined;
    if (!request) throw unknownLink();
    if (isExpired(request)) throw requestExpired();
    return request;
  }

  async publicView(token: string): Promise<PublicFileRequest> {
    const request = await this.open(token);
    const pending = await this.pending.pendingThroughRequest(request.id);
    const remaining = (max: number | null, used: number) => (max === null ? null : Math.max(0, Number(max) - used));
    return {
      title: request.title,
      message: request.message,
      owner: { displayName: request.owner_display_name },
      expiresAt: request.expires_at,
      requiresPassword: request.password_hash !== null,
      remainingFiles: remaining(request.max_files, Number(request.files) + pending.files),
      remainingBytes: remaining(request.max_bytes, Number(request.bytes) + pending.bytes),
      maxUploadSize: this.rules.maxUploadSize,
      allowedFileTypes: this.rules.allowedFileTypes,
    };
  }

  /** More than the throttle's wrong passwords a minute for one request: 429, whoever guesses. */
  async unlock(token: string, password: string): Promise<FileRequestAccess> {
    const request = await this.open(token);
    const hash = request.password_hash;
    // A request without a password needs no unlocking; the token is handed out all the same, as the client asked.
    if (hash === null) return this.access.sign(request.id, '');
    const right = await this.throttle.guard(`request:${request.id}`, () => verifyPassword(password, hash));
    if (!right) throw unauthorized('The password is not right.', 'wrong_password');
    return this.access.sign(request.id, hash);
  }

  /** `RequestLinks`: the Authenticator's question about `Authorization: Request <token>[:<accessToken>]`. */
  async resolve(token: string, accessToken: string | null): Promise<RequestUploader> {
    const request = TOKEN.test(token) ? await this.requests.findByToken(token) : undefined;
    if (!request) throw unauthorized('This file request link is not valid.', 'invalid_token');
    if (request.password_hash !== null && (accessToken === null || !this.access.verify(accessToken, request.id, request.password_hash))) {
      throw new HttpError(401, 'unauthorized', 'This file request has a password: unlock it first, then send Request <token>:<accessToken>.', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    return { requestId: request.id, ownerId: request.owner_id };
  }
}

function view(request: FileRequestRecord, origin: string): FileRequest {
  return {
    id: request.id,
    url: `${origin}/r/${request.token}`,
    title: request.title,
    message: request.message,
    expiresAt: request.expires_at,
    maxFiles: request.max_files === null ? null : Number(request.max_files),
    maxBytes: request.max_bytes === null ? null : Number(request.max_bytes),
    hasPassword: request.password_hash !== null,
    files: Number(request.files),
    bytes: Number(request.bytes),
    createdAt: request.created_at,
  };
}
