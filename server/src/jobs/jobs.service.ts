import type { Job, JobListQuery, JobStats } from '@dropline/contract';
import type { JobRow } from '../db/schema.js';
import { decodeCursor, encodeCursor, type Cursor } from '../db/cursor.js';
import { HttpError, badRequest, notFound } from '../http/errors.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { AuthUser } from '../auth/tokens.js';
import type { FilesService } from '../files/files.service.js';
import { isSafeId } from '../storage/storageLayout.js';
import type { JobQueue } from './jobQueue.js';
import type { JobsRepository } from './jobs.repository.js';

const toView = (row: JobRow): Job => ({
  id: row.id,
  fileId: row.file_id,
  type: row.type,
  state: row.state,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  lastError: row.last_error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  finishedAt: row.finished_at,
});

/** The admin's view of processing: reads the jobs table, acts through the queue. */
export class JobsService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly queue: JobQueue,
    private readonly files: FilesService,
    private readonly audit: AuditLog,
  ) {}

  /** `query` has passed the contract's JobListQuery. */
  async list(query: JobListQuery): Promise<{ items: Job[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    let before: Cursor | undefined;
    if (query.cursor !== undefined && query.cursor !== '') {
      before = decodeCursor(query.cursor) ?? undefined;
      if (!before) throw badRequest('The cursor is not valid.', 'invalid_cursor');
    }
    const rows = await this.jobs.list({ state: query.status, limit: limit + 1, before });
    const page = rows.slice(0, limit);
    return {
      items: page.map(toView),
      nextCursor: rows.length > limit ? encodeCursor({ createdAt: page.at(-1)!.created_at, id: page.at(-1)!.id }) : null,
    };
  }

  async stats(): Promise<JobStats> {
    return this.jobs.countByState();
  }

  async get(id: string): Promise<Job> {
    // Job ids are UUIDs; anything else (a NUL, which PostgreSQL refuses outright) is simply not one.
    const row = isSafeId(id) ? await this.jobs.get(id) : undefined;
    if (!row) throw notFound('No job with this id.');
    return toView(row);
  }

  async retry(actor: AuthUser, id: string): Promise<Job> {
    const job = await this.get(id);
    if (job.state === 'queued' || job.state === 'processing') {
      throw new HttpError(409, 'job_not_finished', 'This job is still queued or running; only finished jobs can be retried.');
    }
    const file = await this.files.find(job.fileId);
    if (await this.jobs.findLive(job.fileId)) {
      throw new HttpError(409, 'file_already_queued', 'This file is already queued for processing by another job.');
    }
    await this.queue.retry(id);
    await this.audit.record({ action: 'job.retry', actorId: actor.id, targetType: 'job', targetId: id, details: { fileId: job.fileId } });
    if (file) await this.files.showQueued(file);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.queue.remove(id);
  }
}
