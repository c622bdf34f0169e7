import { Transform } from 'node:stream';
import { refusal } from './uploadAdmission.js';
import type { UploadRow } from '../db/schema.js';
import type { CreateOutcome, UploadsRepository } from './uploads.repository.js';

/** Reserving in steps keeps it to one database write per few MiB rather than one per chunk. */
const STEP = 8 * 2 ** 20;

/**
 * Counts the bytes written to an upload against its reservation. An upload of declared length was
 * reserved in full at creation, so it passes straight through; one of deferred length (tus
 * `Upload-Defer-Length`, a multipart form) reserves more as its bytes arrive and is stopped with
 * 413 `quota_exceeded` at the first byte past its owner's quota (or its file request's maxBytes).
 */
export class QuotaMeter {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly defaultQuota: number | null,
  ) {}

  /** A pass-through for the bytes written to `upload` from `offset`. */
  forWrite(upload: UploadRow, offset: number): Transform {
    let reserved = Number(upload.reserved_bytes);
    let position = offset;
    /** Null once reserved; else why not. */
    const reserve = async (needed: number): Promise<Error | null> => {
      let refused: Exclude<CreateOutcome, 'created'> = 'over_quota';
      for (const step of [Math.max(needed, STEP), needed]) {
        const outcome = await this.uploads.reserveMore(upload, step, this.defaultQuota);
        if (outcome === 'created') {
          reserved += step;
          return null;
        }
        refused = outcome;
      }
      return refusal(refused);
    };
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        position += chunk.length;
        if (position <= reserved) return done(null, chunk);
        reserve(position - reserved).then(
          (refused) => (refused ? done(refused) : done(null, chunk)),
          (err: unknown) => done(err as Error),
        );
      },
    });
  }
}
