import { Job, Queue, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { now } from '../db/time.js';
import type { QueueOptions } from './embeddedQueue.js';
import type { JobHandler, JobQueue } from './jobQueue.js';
import type { JobsRepository } from './jobs.repository.js';
import { FILE_DELETED, REMOVED, RunningJobs, SHUTDOWN } from './runningJobs.js';
import { errorMessage, scheduleOnce } from './scheduleOnce.js';

const QUEUE_NAME = 'processing';
const KEEP_FINISHED = { age: 7 * 86400 };

/**
 * BullMQ on Redis, for several nodes or separate worker processes. BullMQ owns delivery, retries
 * with backoff and stalled-job recovery; the jobs table mirrors each job for the admin routes.
 */
export class BullmqQueue implements JobQueue {
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly running = new RunningJobs();
  private closing = false;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly connection: Redis,
    private readonly options: QueueOptions & { prefix?: string },
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix: options.prefix });
  }

  async schedule(fileId: string): Promise<boolean> {
    const id = await scheduleOnce(this.jobs, fileId, this.options.maxAttempts);
    if (!id) return false;
    try {
      await this.add(id, fileId);
    } catch (err) {
      await this.jobs.delete(id);
      throw err;
    }
    return true;
  }

  async start(handler: JobHandler): Promise<void> {
    this.worker = new Worker(
      QUEUE_NAME,
      async (job: Job<{ fileId: string }>, token?: string) => {
        const attempt = job.attemptsMade + 1;
        const maxAttempts = job.opts.attempts ?? this.options.maxAttempts;
        const fileId = job.data.fileId;
        if (this.closing) {
          // Fetched just as the worker began to close: hand it straight back.
          await job.moveToWait(token);
          throw new WaitingError();
        }
        await this.jobs.update(job.id!, { state: 'processing', attempts: attempt, finished_at: null });
        await this.running.track(job.id!, fileId, async (signal) => {
          try {
            await handler({ id: job.id!, fileId, attempt, maxAttempts, signal });
          } catch (err) {
            if (signal.reason === SHUTDOWN) {
              // Not the job's fault: back to waiting without spending an attempt.
              await this.jobs.update(job.id!, { state: 'queued', attempts: attempt - 1 });
              await job.moveToWait(token);
              throw new WaitingError();
            }
            if (signal.reason !== REMOVED) {
              const final = attempt >= maxAttempts || signal.reason === FILE_DELETED;
              await this.jobs.update(job.id!, {
                state: final ? 'failed' : 'queued',
                last_error: errorMessage(err),
                finished_at: final ? now() : null,
              });
              if (final) job.discard();
            }
            throw err;
          }
          await this.jobs.update(job.id!, { state: 'completed', last_error: null, finished_at: now() });
        });
      },
      {
        connection: this.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency,
        lockDuration: this.options.leaseMs,
        stalledInterval: this.options.leaseMs,
        // A job is recovered after each crash of its worker; only its own errors count as attempts.
        maxStalledCount: 5,
        removeOnComplete: KEEP_FINISHED,
        removeOnFail: KEEP_FINISHED,
      },
    );
    this.worker.on('error', (err) => this.options.log.error({ err }, 'BullMQ worker error'));
    await this.worker.waitUntilReady();
  }

  async retry(jobId: string): Promise<void> {
    const row = await this.jobs.get(jobId);
    if (!row) return;
    await this.jobs.update(jobId, { state: 'queued', attempts: 0, last_error: null, finished_at: null });
    const job = await Job.fromId(this.queue, jobId);
    const state = job ? await job.getState() : 'unknown';
    if (job && (state === 'failed' || state === 'completed')) {
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    } else if (!job) {
      // Finished jobs are dropped from Redis after a while; the mirror row lets it be queued anew.
      await this.add(jobId, row.file_id);
    }
  }

  async remove(jobId: string): Promise<void> {
    this.running.abort(jobId, REMOVED);
    await this.jobs.delete(jobId);
    const job = await Job.fromId(this.queue, jobId);
    // A job running on another node holds its lock and can't be removed now; its run ends unrecorded.
    await job?.remove().catch((err: unknown) => this.options.log.warn({ err, jobId }, 'could not remove BullMQ job'));
  }

  abortFile(fileId: string): void {
    this.running.abortFile(fileId, FILE_DELETED);
  }

  async close(): Promise<void> {
    // The worker stops fetching; its running jobs go back to waiting, so closing it doesn't wait on them.
    this.closing = true;
    const workerClosed = this.worker?.close();
    await this.running.abortAll(SHUTDOWN);
    await workerClosed;
    await this.queue.close();
  }

  private async add(id: string, fileId: string): Promise<void> {
    await this.queue.add(
      'process',
      { fileId },
      {
        jobId: id,
        attempts: this.options.maxAttempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs },
        removeOnComplete: KEEP_FINISHED,
        removeOnFail: KEEP_FINISHED,
      },
    );
  }
}
