import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { now } from '../db/time.js';
import type { FileUpdate } from '../db/schema.js';
import type { FilesRepository } from '../files/files.repository.js';
import { toFileView } from '../files/fileView.js';
import type { Logger } from '../logger.js';
import type { FileEvents } from '../files/fileEvents.js';
import type { BlobStore } from '../storage/blobStore.js';
import type { StorageLayout } from '../storage/storageLayout.js';
import type { JobContext } from './jobQueue.js';
import { processFile, type ProcessInput, type ProcessResult } from './processors/index.js';
import { SHUTDOWN } from './runningJobs.js';
import { errorMessage } from './scheduleOnce.js';

export type FileProcessor = (input: ProcessInput) => Promise<ProcessResult>;

/** SHA-256 digests computed while files arrived, so processing need not read a file just to hash it. */
export interface KnownDigests {
  sha256Of(fileId: string): Promise<string | null>;
}

/**
 * What a processing job does to a file: `uploaded` → `processing` → `processed` or `failed`, each
 * change saved and announced. The same handler runs under either queue.
 */
export class ProcessingService {
  constructor(
    private readonly files: FilesRepository,
    private readonly blobs: BlobStore,
    private readonly layout: StorageLayout,
    private readonly events: FileEvents,
    private readonly log: Logger,
    private readonly digests: KnownDigests,
    private readonly processor: FileProcessor = processFile,
  ) {}

  readonly handle = async (job: JobContext): Promise<void> => {
    const file = await this.files.find(job.fileId);
    if (!file) return; // deleted before its turn came
    // Which process ran which attempt: with several workers, the logs show a job ran once.
    this.log.info({ jobId: job.id, fileId: file.id, attempt: job.attempt }, 'job started');
    await this.save(file.id, { status: 'processing', error: null });
    // Processors write derived files (thumbnails) to a scratch directory; they are stored from there.
    const derivedDir = await mkdtemp(path.join(tmpdir(), 'dropline-derived-'));
    let result: ProcessResult;
    try {
      const source = await this.blobs.localFile(file.storage_key);
      try {
        result = await this.processor({
          path: source.path,
          size: Number(file.size),
          claimedType: file.mime_type,
          filename: file.filename,
          derivedDir,
          knownSha256: await this.digests.sha256Of(file.id),
          signal: job.signal,
        });
      } finally {
        await source.release();
      }
      await this.storeDerived(file.id, derivedDir);
    } catch (err) {
      if (!(await this.files.find(file.id))) return this.discardDerived(file.id);
      if (job.signal.reason !== SHUTDOWN && job.attempt >= job.maxAttempts) {
        await this.save(file.id, { status: 'failed', error: errorMessage(err) });
      }
      this.log.warn({ fileId: file.id, jobId: job.id, attempt: job.attempt, err: errorMessage(err) }, 'processing failed');
      throw err;
    } finally {
      await rm(derivedDir, { recursive: true, force: true });
    }
    const saved = await this.save(file.id, {
      status: 'processed',
      sha256: result.sha256,
      detected_type: result.detectedType,
      extracted: JSON.stringify(result.extracted),
      error: null,
      processed_at: now(),
    });
    // The file was deleted while it was processed: what this run wrote must not outlive it.
    if (!saved) await this.discardDerived(file.id);
  };

  /** Saves and announces a change; false when the file no longer exists. */
  private async save(id: string, changes: FileUpdate): Promise<boolean> {
    await this.files.update(id, { ...changes, updated_at: now() });
    const file = await this.files.find(id);
    if (file) this.events.emit('updated', toFileView(file));
    return file !== undefined;
  }

  /** Every file a processor wrote under `dir` goes to the file's derived blobs, under the same relative name. */
  private async storeDerived(id: string, dir: string): Promise<void> {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const relative = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      await this.blobs.put(`${this.layout.derivedPrefix(id)}${relative}`, createReadStream(path.join(entry.parentPath, entry.name)));
    }
  }

  private async discardDerived(id: string): Promise<void> {
    await this.blobs.deleteAll(this.layout.derivedPrefix(id));
  }
}
