import { now } from '../db/time.js';
import type { Logger } from '../logger.js';
import type { Ingest } from './ingest.js';
import type { UploadsRepository } from './uploads.repository.js';
import { isComplete, type UploadStore } from './uploadStore.js';

/** What the sweep needs from files (FilesService): delete the expired ones as DELETE would. */
export interface ExpiringFiles {
  deleteExpired(): Promise<number>;
}

/** Files past their `expiresAt` go within a minute of it: the loop ticks at least this often. */
const FILE_EXPIRY_TICK_MS = 30_000;

/**
 * Periodic upkeep: finishes ingestions that failed, deletes unfinished uploads past
 * UPLOAD_EXPIRATION and forgets their records (every `intervalMs`), and deletes files past their
 * `expiresAt` (every tick, at most FILE_EXPIRY_TICK_MS apart). Several nodes may sweep at once:
 * every step is idempotent. Runs on an unref'd timer, so it never keeps the process alive, and
 * `stop` waits for a sweep in progress.
 */
export class UploadMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private lastUploadSweep = 0;

  constructor(
    private readonly store: UploadStore,
    private readonly uploads: UploadsRepository,
    private readonly ingest: Ingest,
    private readonly files: ExpiringFiles,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.lastUploadSweep = Date.now();
    this.timer = setInterval(() => void this.sweep(false), Math.min(this.intervalMs, FILE_EXPIRY_TICK_MS));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass (the uploads' part only when due, unless `full`); a pass already running is joined rather than doubled. */
  sweep(full = true): Promise<void> {
    this.sweeping ??= this.run(full)
      .catch((err: unknown) => this.log.error({ err }, 'upload maintenance failed'))
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping;
  }

  /** Removes every unfinished upload of an owner (an account being removed): bytes, then records. */
  async discardAllOf(ownerId: string): Promise<void> {
    for (const id of await this.uploads.pendingIdsOf(ownerId)) {
      await this.store.discard(id);
      await this.uploads.forget(id);
    }
  }

  private async run(full: boolean): Promise<void> {
    const expired = await this.files.deleteExpired();
    if (expired > 0) this.log.info({ expired }, 'expired files deleted');
    if (!full && Date.now() - this.lastUploadSweep < this.intervalMs) return;
    this.lastUploadSweep = Date.now();
    const ingested = await this.ingest.recover();
    if (ingested > 0) this.log.info({ ingested }, 'finished uploads ingested late');
    let removed = await this.store.deleteExpired();
    // Records whose bytes are gone (swept just now, or lost) go too; a finished upload is left to
    // ingestion, except a partial, which no final upload has claimed in time.
    for (const { id, concat } of await this.uploads.expiredPending(now())) {
      const upload = await this.store.findUpload(id);
      if (upload && isComplete(upload) && concat !== 'partial') continue;
      if (await this.store.discard(id)) removed++;
      await this.uploads.forget(id);
    }
    this.log[removed > 0 ? 'info' : 'debug']({ removed }, 'expired uploads deleted');
  }
}
