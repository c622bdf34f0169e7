import type { AuditLog } from '../audit/auditLog.js';
import { mayAccess } from '../auth/ownership.js';
import type { AuthUser } from '../auth/tokens.js';
import { now } from '../db/time.js';
import { decodeCursor, encodeCursor } from '../db/cursor.js';
import { badRequest, notFound } from '../http/errors.js';
import type { Logger } from '../logger.js';
import {
  DEFAULT_PAGE_SIZE,
  isoDateBounds,
  MIME_PREFIX,
  type File,
  type FileCursorPage,
  type FileListQuery,
  type FileNumberedPage,
  type FileUpdate,
} from '@dropline/contract';
import type { FileEvents } from './fileEvents.js';
import type { BlobStore } from '../storage/blobStore.js';
import { isSafeId, type StorageLayout } from '../storage/storageLayout.js';
import { contentGone, type StoredBytes } from './content.js';
import type { FileRecord, FilesRepository } from './files.repository.js';
import { toFileView } from './fileView.js';

/** What files need from background processing: hand over a file, nothing more (the job queue is one). */
export interface ProcessingScheduler {
  /** Queues a file unless it already has a queued or running job; true when it queued one. */
  schedule(fileId: string): Promise<boolean>;
}

/** What deleting a file needs from where its upload was stored (the upload store is one): its bytes and info gone. */
export interface UploadBytes {
  discard(id: string): Promise<unknown>;
}

export class FilesService {
  constructor(
    private readonly files: FilesRepository,
    private readonly store: UploadBytes,
    private readonly blobs: BlobStore,
    private readonly layout: StorageLayout,
    private readonly scheduler: ProcessingScheduler,
    private readonly events: FileEvents,
    private readonly log: Logger,
    private readonly audit: AuditLog,
  ) {}

  /** The one gate to a file: someone else's (unless admin) and a missing one are the same 404. */
  async getOwned(user: AuthUser, id: string): Promise<FileRecord> {
    const file = isSafeId(id) ? await this.files.find(id) : undefined;
    if (!file || !mayAccess(user, file.owner_id)) throw notFound('There is no file with this id.');
    return file;
  }

  async get(user: AuthUser, id: string): Promise<File> {
    return toFileView(await this.getOwned(user, id));
  }

  /** Whether a file row exists at all: lets a tus DELETE tell a finished upload from an unfinished one. */
  async exists(id: string): Promise<boolean> {
    return isSafeId(id) && (await this.files.find(id)) !== undefined;
  }

  /** `query` has passed the contract's FileListQuery; `owner=all` is honoured for admins only. */
  async list(user: AuthUser, query: FileListQuery): Promise<FileCursorPage | FileNumberedPage> {
    const type = query.type ?? null;
    const prefix = type === null ? null : (MIME_PREFIX.exec(type)?.[1] ?? null);
    const filter = {
      ownerId: query.owner === 'all' && user.role === 'admin' ? null : user.id,
      text: query.q || null,
      mimeType: prefix === null ? type : null,
      mimePrefix: prefix,
      status: query.status ?? null,
      createdFrom: query.from === undefined ? null : isoDateBounds(query.from)!.start,
      createdBefore: query.to === undefined ? null : isoDateBounds(query.to)!.endExclusive,
    };
    if (query.page !== undefined || query.pageSize !== undefined) {
      const page = query.page ?? 1;
      const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
      const { rows, total, exact } = await this.files.page(filter, (page - 1) * pageSize, pageSize);
      return { items: rows.map(toFileView), page, pageSize, total, totalExact: exact };
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (cursor === null && query.cursor !== undefined)
      throw badRequest('The cursor is not valid; use the nextCursor of a previous page.', 'invalid_query');
    const { rows, scannedTo } = await this.files.listAfter(filter, cursor, limit);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    // A short query's page may end early at the edge of what it examined; the cursor goes on from there.
    const next = rows.length > limit && last ? { createdAt: last.created_at, id: last.id } : scannedTo;
    return { items: items.map(toFileView), nextCursor: next ? encodeCursor(next) : null };
  }

  /** `fields` has passed the contract's FileUpdate: cleaned, and at least one of them given. */
  async update(user: AuthUser, id: string, fields: FileUpdate): Promise<File> {
    const file = await this.getOwned(user, id);
    const changes = {
      ...(fields.title !== undefined ? { title: fields.title } : {}),
      ...(fields.description !== undefined ? { description: fields.description } : {}),
      ...(fields.filename !== undefined ? { filename: fields.filename } : {}),
      ...(fields.expiresAt !== undefined ? { expires_at: fields.expiresAt } : {}),
    };
    await this.files.update(
      file.id,
      { ...changes, updated_at: now() },
      this.audit.write({ action: 'file.update', actorId: user.id, targetType: 'file', targetId: file.id, details: { fields: Object.keys(changes) } }),
    );
    const view = await this.get(user, id);
    this.events.emit('updated', view);
    return view;
  }

  /**
   * Deletes a file: bytes first (upload data and info, then derived files), the rows last. A crash
   * in between leaves a row whose content answers 410 and whose DELETE can simply be repeated,
   * never bytes that no row knows about. Serves `DELETE /api/files/:id` and tus DELETE alike.
   */
  async delete(user: AuthUser, id: string): Promise<void> {
    await this.remove(await this.getOwned(user, id), user.id);
  }

  /** Deletes every file of an owner (an account being removed), each as DELETE would. */
  async deleteAllOf(ownerId: string, actorId: string | null): Promise<void> {
    for (let ids = await this.files.someIdsOf(ownerId, 100); ids.length > 0; ids = await this.files.someIdsOf(ownerId, 100)) {
      for (const id of ids) {
        const file = await this.files.find(id);
        if (file) await this.remove(file, actorId);
      }
    }
  }

  /**
   * Deletes every file whose `expiresAt` has passed, each as DELETE would (bytes, derived files,
   * row, `file:deleted`); returns how many. Nodes sweeping at once each remove what they find: every
   * step is idempotent, and only the node whose row deletion succeeds announces it.
   */
  async deleteExpired(): Promise<number> {
    const BATCH = 100;
    let deleted = 0;
    for (;;) {
      const ids = await this.files.expiredIds(now(), BATCH);
      let removedHere = 0;
      for (const id of ids) {
        const file = await this.files.find(id);
        if (file && (await this.remove(file, null))) removedHere++;
      }
      deleted += removedHere;
      // A short batch was the last; a batch another node emptied first is left to the next sweep.
      if (ids.length < BATCH || removedHere === 0) return deleted;
    }
  }

  private async remove(file: FileRecord, actorId: string | null): Promise<boolean> {
    await this.store.discard(file.id);
    await this.discardDerived(file.id);
    const removed = await this.files.delete(
      file.id,
      this.audit.write({
        action: 'file.delete',
        actorId,
        targetType: 'file',
        targetId: file.id,
        details: { filename: file.filename, size: Number(file.size), ownerId: file.owner_id },
      }),
    );
    // Again, for a job that wrote a thumbnail between the first removal and the row's: once the
    // row is gone, a later write is cleaned up by the job itself (it finds no row to save to).
    await this.discardDerived(file.id);
    if (removed) this.events.emit('deleted', { id: file.id, ownerId: file.owner_id });
    return removed;
  }

  /** The thumbnail processing made for an image, or 404 when there is none. */
  async thumbnail(user: AuthUser, id: string): Promise<StoredBytes> {
    const file = await this.getOwned(user, id);
    const bytes = await this.storedBytes(this.layout.thumbnailKey(file.id));
    if (!bytes) throw notFound('This file has no thumbnail.');
    return bytes;
  }

  private discardDerived(id: string): Promise<void> {
    return this.blobs.deleteAll(this.layout.derivedPrefix(id));
  }

  async reprocess(user: AuthUser, id: string): Promise<void> {
    const file = await this.getOwned(user, id);
    if (await this.scheduler.schedule(file.id)) await this.showQueued(file);
  }

  /**
   * A file queued again shows as waiting (`uploaded`, no error) rather than its old outcome. A
   * worker may have picked it up already; then the row has moved on and is left as it is.
   */
  async showQueued(before: FileRecord): Promise<void> {
    const changed = await this.files.updateIfUnchanged(before.id, before.updated_at, { status: 'uploaded', error: null, updated_at: now() });
    const file = changed ? await this.files.find(before.id) : undefined;
    if (file) this.events.emit('updated', toFileView(file));
  }

  /** A file by id for internal callers (no owner check: they act for the system or an admin). */
  find(id: string): Promise<FileRecord | undefined> {
    return this.files.find(id);
  }

  /** The file and its bytes, for its owner (or an admin). */
  async content(user: AuthUser, id: string): Promise<{ file: File; bytes: StoredBytes }> {
    return this.located(await this.getOwned(user, id));
  }

  /**
   * The same for a caller that authorised the access itself (a share link names the file), or
   * undefined when the file is gone.
   */
  async contentFor(id: string): Promise<{ file: File; bytes: StoredBytes } | undefined> {
    const file = isSafeId(id) ? await this.files.find(id) : undefined;
    return file && this.located(file);
  }

  /** A file's bytes; a row whose bytes vanished is logged as the fault it is. */
  private async located(file: FileRecord): Promise<{ file: File; bytes: StoredBytes }> {
    const bytes = await this.storedBytes(file.storage_key);
    if (!bytes) {
      this.log.error({ fileId: file.id }, 'file row points at missing bytes');
      throw contentGone();
    }
    return { file: toFileView(file), bytes };
  }

  private async storedBytes(key: string): Promise<StoredBytes | null> {
    const info = await this.blobs.stat(key);
    return info && { info, read: (range) => this.blobs.read(key, range) };
  }
}
