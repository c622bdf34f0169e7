import type { Db } from '../db/database.js';
import type { UploadConcat, UploadRow } from '../db/schema.js';
import { now } from '../db/time.js';

export interface NewUploadRecord {
  id: string;
  ownerId: string;
  createdAt: string;
  expiresAt: string;
  concat?: UploadConcat;
  /** A final upload's partial ids, in order. */
  parts?: string[];
  protocol?: 'ietf';
  /** Through a file request: which one, and the name its uploader gave. */
  requestId?: string | null;
  uploader?: string | null;
  /** The expiry its file will get; null: none. */
  fileExpiresAt?: string | null;
}

export type CreateOutcome = 'created' | 'no_owner' | 'over_quota' | 'request_closed' | 'request_expired' | 'request_full';

/** Why a change was rolled back: the owner's quota or the file request's limits. */
class Refused extends Error {
  constructor(readonly outcome: Exclude<CreateOutcome, 'created' | 'no_owner'>) {
    super(outcome);
  }
}

/** Hashes in progress after the upload's first `offset` bytes: the saved SHA-256 state (see contentHash.ts) and the CRC-32 so far. */
export interface SavedHash {
  state: Uint8Array;
  offset: number;
  crc32: number;
}

/** Where an upload's hash continues from: its saved state, and whether it is a partial (whose hash is never used). */
export interface HashStart {
  saved: SavedHash | null;
  partial: boolean;
}

/**
 * The hash start an upload's row holds. A state saved before 008_crc32 has no CRC-32 to continue,
 * so it counts as none (the prefix is read again).
 */
export function hashStartOf(row: Pick<UploadRow, 'hash_state' | 'hash_offset' | 'crc32' | 'concat'> | undefined): HashStart {
  const saved =
    row?.hash_state && row.hash_offset !== null && row.crc32 !== null
      ? { state: Buffer.from(row.hash_state, 'base64'), offset: Number(row.hash_offset), crc32: Number(row.crc32) }
      : null;
  return { saved, partial: row?.concat === 'partial' };
}

/** The server's bookkeeping of uploads: who owns each one and whether it has been ingested. */
export class UploadsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a new upload with `reservedBytes` counted against its owner's quota, in one
   * transaction. The insert reads the owner's row, so an account deleted since the request was
   * authenticated gives `no_owner` (no foreign-key error). The trigger's update of the owner's
   * counter locks that row until commit, so of two creations that together pass the quota, the
   * second sees the first's reservation and gets `over_quota`. Through a file request, the
   * request's row is locked first in the same way, so parallel creations cannot pass its limits.
   */
  async create(upload: NewUploadRecord & { reservedBytes: number }, defaultQuota: number | null): Promise<CreateOutcome> {
    let inserted = false;
    const outcome = await this.withinLimits(upload.ownerId, upload.requestId ?? null, defaultQuota, async (trx) => {
      const result = await trx
        .insertInto('uploads')
        .columns([
          'id',
          'owner_id',
          'created_at',
          'expires_at',
          'concat',
          'parts',
          'protocol',
          'reserved_bytes',
          'request_id',
          'uploader',
          'file_expires_at',
        ])
        .expression((eb) =>
          eb
            .selectFrom('users')
            .select([
              eb.val(upload.id).as('id'),
              'users.id as owner_id',
              eb.val(upload.createdAt).as('created_at'),
              eb.val(upload.expiresAt).as('expires_at'),
              eb.val(upload.concat ?? null).as('concat'),
              eb.val(upload.parts ? JSON.stringify(upload.parts) : null).as('parts'),
              eb.val(upload.protocol ?? null).as('protocol'),
              eb.val(upload.reservedBytes).as('reserved_bytes'),
              eb.val(upload.requestId ?? null).as('request_id'),
              eb.val(upload.uploader ?? null).as('uploader'),
              eb.val(upload.fileExpiresAt ?? null).as('file_expires_at'),
            ])
            .where('users.id', '=', upload.ownerId),
        )
        .executeTakeFirst();
      inserted = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    });
    return outcome === 'created' && !inserted ? 'no_owner' : outcome;
  }

  /** Adds to an unfinished upload's reservation, as bytes of unknown total length arrive; refused past the quota or its request's maxBytes. */
  async reserveMore(upload: Pick<UploadRow, 'id' | 'owner_id' | 'request_id'>, bytes: number, defaultQuota: number | null): Promise<CreateOutcome> {
    return this.withinLimits(upload.owner_id, upload.request_id, defaultQuota, (trx) =>
      trx
        .updateTable('uploads')
        .set((eb) => ({ reserved_bytes: eb('reserved_bytes', '+', bytes) }))
        .where('id', '=', upload.id)
        .where('ingested_at', 'is', null)
        .execute(),
    );
  }

  private async withinLimits(
    ownerId: string,
    requestId: string | null,
    defaultQuota: number | null,
    change: (trx: Db) => Promise<unknown>,
  ): Promise<CreateOutcome> {
    try {
      await this.db.transaction().execute(async (trx) => {
        if (requestId !== null) await this.lockOpenRequest(trx, requestId);
        await change(trx);
        const owner = await trx
          .selectFrom('users')
          .select(['files_bytes', 'reserved_bytes', 'quota_bytes'])
          .where('id', '=', ownerId)
          .executeTakeFirst();
        const quota = owner?.quota_bytes ?? defaultQuota;
        if (owner && quota !== null && Number(owner.files_bytes) + Number(owner.reserved_bytes) > Number(quota)) throw new Refused('over_quota');
        if (requestId !== null) await this.checkRequestLimits(trx, requestId);
      });
      return 'created';
    } catch (err) {
      if (err instanceof Refused) return err.outcome;
      throw err;
    }
  }

  /** Locks the request's row until commit (a no-op write): creations through one request take turns. */
  private async lockOpenRequest(trx: Db, requestId: string): Promise<void> {
    await trx
      .updateTable('file_requests')
      .set((eb) => ({ files: eb.ref('files') }))
      .where('id', '=', requestId)
      .execute();
    const request = await trx.selectFrom('file_requests').select(['expires_at', 'deleted_at']).where('id', '=', requestId).executeTakeFirst();
    if (!request || request.deleted_at !== null) throw new Refused('request_closed');
    if (request.expires_at !== null && request.expires_at <= now()) throw new Refused('request_expired');
  }

  /** Files and bytes through a request so far, plus its unfinished uploads (the one being created included). */
  private async checkRequestLimits(trx: Db, requestId: string): Promise<void> {
    const request = await trx
      .selectFrom('file_requests')
      .select(['files', 'bytes', 'max_files', 'max_bytes'])
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
    if (request.max_files === null && request.max_bytes === null) return;
    const pending = await this.pendingThroughRequest(requestId, trx);
    const files = Number(request.files) + pending.files;
    const bytes = Number(request.bytes) + pending.bytes;
    if ((request.max_files !== null && files > Number(request.max_files)) || (request.max_bytes !== null && bytes > Number(request.max_bytes))) {
      throw new Refused('request_full');
    }
  }

  /**
   * What a file request's unfinished uploads hold back from its limits: a file each (unless a
   * partial, which is only a piece of one) and the bytes they reserved. An upload whose file was
   * just inserted has already handed its reservation over (the files trigger), so it counts once.
   */
  async pendingThroughRequest(requestId: string, db: Db = this.db): Promise<{ files: number; bytes: number }> {
    const pending = await db
      .selectFrom('uploads as u')
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('u.reserved_bytes'), eb.lit(0)).as('bytes'),
        eb.fn
          .count<number>(
            eb
              .case()
              .when(eb.or([eb('u.concat', 'is', null), eb('u.concat', '!=', 'partial')]))
              .then(1)
              .end(),
          )
          .as('files'),
      ])
      .where('u.request_id', '=', requestId)
      .where('u.ingested_at', 'is', null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('files').select('files.id').whereRef('files.id', '=', 'u.id'))))
      .executeTakeFirstOrThrow();
    return { files: Number(pending.files), bytes: Number(pending.bytes) };
  }

  find(id: string): Promise<UploadRow | undefined> {
    return this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async markIngested(id: string, at: string): Promise<void> {
    await this.db.updateTable('uploads').set({ ingested_at: at }).where('id', '=', id).where('ingested_at', 'is', null).execute();
  }

  async forget(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  /** Uploads created and not ingested yet (for metrics). */
  async countPending(): Promise<number> {
    const row = await this.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .where('ingested_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /**
   * Uploads not yet handed over as files: still arriving, or finished while the server went down.
   * Partials never become files, so they are not among them.
   */
  async pendingIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('uploads')
      .select('id')
      .where('ingested_at', 'is', null)
      .where((eb) => eb.or([eb('concat', 'is', null), eb('concat', '!=', 'partial')]))
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.id);
  }

  async pendingIdsOf(ownerId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('uploads').select('id').where('owner_id', '=', ownerId).where('ingested_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }

  /** The saved hash state, and whether the upload is a partial (see hashStartOf). */
  async savedHash(id: string): Promise<HashStart> {
    return hashStartOf(
      await this.db.selectFrom('uploads').select(['hash_state', 'hash_offset', 'crc32', 'concat']).where('id', '=', id).executeTakeFirst(),
    );
  }

  async saveHash(id: string, hash: SavedHash): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ hash_state: Buffer.from(hash.state).toString('base64'), hash_offset: hash.offset, crc32: hash.crc32 })
      .where('id', '=', id)
      .execute();
  }

  async saveSha256(id: string, sha256: string): Promise<void> {
    await this.db.updateTable('uploads').set({ sha256 }).where('id', '=', id).execute();
  }

  /** The digest computed while the file's bytes arrived; null when there is none (then processing hashes). */
  async sha256Of(fileId: string): Promise<string | null> {
    const row = await this.db.selectFrom('uploads').select('sha256').where('id', '=', fileId).executeTakeFirst();
    return row?.sha256 ?? null;
  }

  async expiredPending(now: string): Promise<Array<Pick<UploadRow, 'id' | 'concat'>>> {
    return this.db.selectFrom('uploads').select(['id', 'concat']).where('ingested_at', 'is', null).where('expires_at', '<', now).execute();
  }

  async unassembledFinalIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('uploads').select('id').where('concat', '=', 'final').where('ingested_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }
}
