import { randomBytes } from 'node:crypto';
import { cleanFilename } from '@dropline/contract';
import {
  DEFAULT_PAGE_SIZE,
  type File,
  type PublicShare,
  type Share,
  type ShareCreate,
  type SharePage,
  type ShareListQuery,
  type ShareUpdate,
  type UnlockResponse,
} from '@dropline/contract';
import { ZipArchive, type ZipEntry } from '../archive/zip.js';
import type { AuditLog } from '../audit/auditLog.js';
import { mayAccess } from '../auth/ownership.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { AuthUser } from '../auth/tokens.js';
import type { StoredBytes } from '../files/content.js';
import type { FileRecord } from '../files/files.repository.js';
import { decodeCursor, encodeCursor } from '../db/cursor.js';
import { now } from '../db/time.js';
import { badRequest, HttpError, notFound, unauthorized } from '../http/errors.js';
import type { GuessThrottle } from '../http/rateLimit.js';
import { isSafeId, newId } from '../storage/storageLayout.js';
import type { ShareAccessTokens } from './shareAccess.js';
import type { ShareEvents } from './shareEvents.js';
import type { ShareRecord, SharedFileRow, SharesRepository } from './shares.repository.js';

/** What shares need from files: the one owner-checked gate, and a file's bytes once a share has authorised them. */
export interface SharedFiles {
  getOwned(user: AuthUser, id: string): Promise<{ id: string }>;
  contentFor(id: string): Promise<{ file: File; bytes: StoredBytes } | undefined>;
  find(id: string): Promise<FileRecord | undefined>;
}

/** Files' CRC-32s, which a ZIP's headers carry before the bytes (FileCrc32s). */
export interface Crc32Source {
  of(file: Pick<FileRecord, 'id' | 'crc32'>, bytes: StoredBytes): Promise<number>;
}

/** A ZIP entry and its bytes. */
export interface SharedEntry extends ZipEntry {
  bytes: StoredBytes;
}

/** A share's ZIP, planned; `count` takes a download (the route calls it when the response starts at byte 0). */
export interface ShareArchive {
  zip: ZipArchive<SharedEntry>;
  filename: string;
  count(): Promise<void>;
}

/** 128 random bits, base64url: 22 characters. */
const TOKEN = /^[A-Za-z0-9_-]{22}$/;
const newToken = () => randomBytes(16).toString('base64url');

const noShare = () => notFound('There is no share with this id.');
const noLink = () => notFound('This link does not exist or was revoked.');
const passwordRequired = () => unauthorized('This share is protected by a password; unlock it first.', 'password_required');

/** Reading a share's public side: who asks, with which access token (from unlock), if any. */
export interface Visitor {
  token: string;
  accessToken: string | null;
}

export class SharesService {
  constructor(
    private readonly shares: SharesRepository,
    private readonly files: SharedFiles,
    private readonly access: ShareAccessTokens,
    private readonly unlockThrottle: GuessThrottle,
    private readonly events: ShareEvents,
    private readonly audit: AuditLog,
    private readonly crc32s: Crc32Source,
  ) {}

  // ------------------------------------------------------------ the owner's side

  /** `origin` is where the share's page lives (PUBLIC_URL, else the request's own origin). */
  async create(user: AuthUser, body: ShareCreate, origin: string): Promise<Share> {
    const fileIds = [...new Set(body.fileIds)];
    // Each through the one owner check: someone else's file is the same 404 as a missing one.
    for (const id of fileIds) await this.files.getOwned(user, id);
    const at = now();
    const id = newId();
    await this.shares.create(
      {
        id,
        owner_id: user.id,
        token: newToken(),
        note: body.note ?? null,
        expires_at: body.expiresAt ?? null,
        password_hash: body.password ? await hashPassword(body.password) : null,
        max_downloads: body.maxDownloads ?? null,
        created_at: at,
        updated_at: at,
      },
      fileIds,
      this.audit.write({ action: 'share.create', actorId: user.id, targetType: 'share', targetId: id, details: { fileIds } }),
    );
    return this.get(user, id, origin);
  }

  private async getOwned(user: AuthUser, id: string): Promise<ShareRecord> {
    const share = isSafeId(id) ? await this.shares.find(id) : undefined;
    if (!share || !mayAccess(user, share.owner_id)) throw noShare();
    return share;
  }

  async get(user: AuthUser, id: string, origin: string): Promise<Share> {
    const share = await this.getOwned(user, id);
    return toShareView(share, await this.shares.filesOf([share.id]), origin);
  }

  /** The caller's own shares, newest first. */
  async list(user: AuthUser, query: ShareListQuery, origin: string): Promise<SharePage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (cursor === null && query.cursor !== undefined)
      throw badRequest('The cursor is not valid; use the nextCursor of a previous page.', 'invalid_query');
    const rows = await this.shares.listAfter(user.id, cursor, limit);
    const items = rows.slice(0, limit);
    const files = await this.shares.filesOf(items.map((s) => s.id));
    const last = items.at(-1);
    return {
      items: items.map((share) => toShareView(share, files, origin)),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
    };
  }

  async update(user: AuthUser, id: string, body: ShareUpdate, origin: string): Promise<Share> {
    const share = await this.getOwned(user, id);
    await this.shares.update(
      share.id,
      {
        ...(body.note !== undefined ? { note: body.note } : {}),
        ...(body.expiresAt !== undefined ? { expires_at: body.expiresAt } : {}),
        ...(body.maxDownloads !== undefined ? { max_downloads: body.maxDownloads } : {}),
        ...(body.password !== undefined ? { password_hash: body.password === null ? null : await hashPassword(body.password) } : {}),
        updated_at: now(),
      },
      // The names of the fields changed, never a password.
      this.audit.write({
        action: 'share.update',
        actorId: user.id,
        targetType: 'share',
        targetId: share.id,
        details: { fields: Object.keys(body).sort() },
      }),
    );
    return this.get(user, id, origin);
  }

  async revoke(user: AuthUser, id: string): Promise<void> {
    const share = await this.getOwned(user, id);
    await this.shares.delete(share.id, this.audit.write({ action: 'share.delete', actorId: user.id, targetType: 'share', targetId: share.id }));
  }

  // ------------------------------------------------------------ the public side

  /** A live share by its link: unknown, revoked and disabled owners' are 404; expired is 410. */
  private async open(token: string): Promise<ShareRecord> {
    const share = TOKEN.test(token) ? await this.shares.findByToken(token) : undefined;
    if (!share || share.owner_disabled) throw noLink();
    if (share.expires_at !== null && share.expires_at <= now()) throw new HttpError(410, 'share_expired', 'This link has expired.');
    return share;
  }

  private usedUp = (share: ShareRecord) => share.max_downloads !== null && Number(share.downloads) >= Number(share.max_downloads);

  private unlocked(share: ShareRecord, accessToken: string | null): boolean {
    if (share.password_hash === null) return true;
    if (accessToken === null) return false;
    this.access.verify(accessToken, share.id, share.password_hash);
    return true;
  }

  /** The page's data; with a password, no files until the visitor has unlocked it. */
  async view(visitor: Visitor): Promise<PublicShare> {
    const share = await this.open(visitor.token);
    if (this.usedUp(share)) throw limitReached();
    let unlocked: boolean;
    try {
      unlocked = this.unlocked(share, visitor.accessToken);
    } catch {
      // An expired or stale access token on the page just shows the password prompt again.
      unlocked = false;
    }
    const files = unlocked ? await this.shares.filesOf([share.id]) : [];
    return {
      files: files.map((f) => ({ id: f.id, filename: f.filename, size: f.size, mimeType: f.mime_type, sha256: f.sha256 })),
      note: share.note,
      expiresAt: share.expires_at,
      owner: { displayName: share.owner_display_name },
      requiresPassword: share.password_hash !== null,
    };
  }

  /** Wrong passwords are capped per share (whoever guesses): past the cap even the right one waits. */
  async unlock(token: string, password: string): Promise<UnlockResponse> {
    const share = await this.open(token);
    if (this.usedUp(share)) throw limitReached();
    if (share.password_hash === null) throw badRequest('This share has no password; its files need no unlocking.', 'no_password');
    const hash = share.password_hash;
    if (!(await this.unlockThrottle.guard(`share:${share.id}`, () => verifyPassword(password, hash)))) {
      throw new HttpError(401, 'wrong_password', 'The password is not right.');
    }
    return this.access.sign(share.id, share.password_hash);
  }

  /**
   * A shared file's bytes. A response that `counts` (the route's call: one from byte 0 that is not
   * a preview) is a new download: it takes one of the share's downloads in one conditional update,
   * or is refused when none is left; a range continuation of a download already begun takes none,
   * also once the limit is reached.
   */
  async download(visitor: Visitor, fileId: string, counts: (file: File) => boolean): Promise<{ file: File; bytes: StoredBytes }> {
    const share = await this.open(visitor.token);
    if (!this.unlocked(share, visitor.accessToken)) throw passwordRequired();
    const shared = isSafeId(fileId) ? await this.shares.fileOf(share.id, fileId) : undefined;
    const content = shared && (await this.files.contentFor(shared.id));
    if (!content) throw notFound('This file is not in this share.');
    if (counts(content.file)) await this.count(share, shared.id);
    return content;
  }

  /**
   * Every file of a share as one stored ZIP, planned (exact length, ETag) before a byte is read.
   * The CRC-32s come from ingest; a file stored before they were kept is read once for its own.
   */
  async archive(visitor: Visitor): Promise<ShareArchive> {
    const share = await this.open(visitor.token);
    if (!this.unlocked(share, visitor.accessToken)) throw passwordRequired();
    const entries: SharedEntry[] = [];
    for (const shared of await this.shares.filesOf([share.id])) {
      const record = await this.files.find(shared.id);
      const content = record && (await this.files.contentFor(record.id));
      // Deleted meanwhile: it has left the share.
      if (!record || !content) continue;
      const { file, bytes } = content;
      entries.push({ name: file.filename, size: file.size, crc32: await this.crc32s.of(record, bytes), modifiedAt: file.createdAt, bytes });
    }
    if (entries.length === 0) throw notFound('No file of this share is left.');
    return { zip: new ZipArchive(entries), filename: `${archiveName(share)}.zip`, count: () => this.count(share, null) };
  }

  private async count(share: ShareRecord, fileId: string | null): Promise<void> {
    const downloads = await this.shares.countDownload(share.id, now());
    if (downloads === null) throw limitReached();
    this.events.emit('downloaded', { ownerId: share.owner_id, shareId: share.id, fileId, downloads });
    // A visitor has no account: the entry has no actor; its address and request id are added by the log.
    await this.audit.record({ action: 'share.download', actorId: null, targetType: 'share', targetId: share.id, details: { fileId, downloads } });
  }
}

/** A ZIP is named after its share: the note's first line when it has one, else the share's id. */
function archiveName(share: ShareRecord): string {
  const firstLine = (share.note ?? '').split('\n')[0]!.trim().slice(0, 100);
  return cleanFilename(firstLine) ?? `share-${share.id}`;
}

const limitReached = () => new HttpError(410, 'download_limit_reached', 'Every download of this link has been used.');

function toShareView(share: ShareRecord, files: SharedFileRow[], origin: string): Share {
  const own = files.filter((f) => f.share_id === share.id);
  return {
    id: share.id,
    url: `${origin}/s/${share.token}`,
    fileIds: own.map((f) => f.id),
    files: own.map((f) => ({ id: f.id, filename: f.filename, size: f.size, mimeType: f.mime_type })),
    note: share.note,
    expiresAt: share.expires_at,
    hasPassword: share.password_hash !== null,
    maxDownloads: share.max_downloads === null ? null : Number(share.max_downloads),
    downloads: Number(share.downloads),
    createdAt: share.created_at,
  };
}
