import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { now } from '../db/time.js';
import type { Logger } from '../logger.js';
import { backoffDelay, type JobHandler, type JobQueue } from './jobQueue.js';
import type { JobsRepository } from './jobs.repository.js';
import { FILE_DELETED, REMOVED, RunningJobs, SHUTDOWN } from './runningJobs.js';
import { errorMessage, scheduleOnce } from './scheduleOnce.js';

export interface QueueOptions {
  concurrency: number;
  maxAttempts: number;
  backoffMs: number;
  leaseMs: number;
  log: Logger;
}

const POLL_MS = 1000;

/**
 * A durable queue kept in the database, for one machine with nothing else installed. Jobs are
 * rows; workers claim them with a lease they renew, so a job whose process died is run again.
 */
export class EmbeddedQueue implements JobQueue {
  private readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new RunningJobs();
  private handler: JobHandler | undefined;
  private timer: NodeJS.Timeout | undefined;
  private filling = false;
  private closed = false;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly options: QueueOptions,
  ) {}

  async schedule(fileId: string): Promise<boolean> {
    const queued = (await scheduleOnce(this.jobs, fileId, this.options.maxAttempts)) !== null;
    this.fill();
    return queued;
  }

  async start(handler: JobHandler): Promise<void> {
    this.handler = handler;
    const requeued = await this.jobs.requeueOrphans(await this.deadLocalWorkers());
    if (requeued > 0) this.options.log.info({ requeued }, 'requeued jobs left running by a stopped worker');
    this.tick();
  }

  async retry(jobId: string): Promise<void> {
    await this.jobs.update(jobId, {
      state: 'queued',
      attempts: 0,
      last_error: null,
      run_at: now(),
      finished_at: null,
      locked_by: null,
      locked_until: null,
    });
    this.fill();
  }

  async remove(jobId: string): Promise<void> {
    this.running.abort(jobId, REMOVED);
    await this.jobs.delete(jobId);
  }

  abortFile(fileId: string): void {
    this.running.abortFile(fileId, FILE_DELETED);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running.abortAll(SHUTDOWN);
  }

  /** Polling catches jobs queued by other processes and retries whose backoff has passed. */
  private tick(): void {
    if (this.closed) return;
    this.fill();
    this.jobs.requeueOrphans([]).catch((err) => this.options.log.error({ err }, 'could not requeue orphaned jobs'));
    this.timer = setTimeout(() => this.tick(), POLL_MS);
    this.timer.unref();
  }

  private fill(): void {
    if (!this.handler || this.filling || this.closed) return;
    this.filling = true;
    void (async () => {
      try {
        while (!this.closed && this.running.size < this.options.concurrency) {
          const job = await this.jobs.claimNext(this.workerId, this.options.leaseMs);
          if (!job) break;
          void this.running.track(job.id, job.file_id, (signal) => this.run(job.id, job.file_id, job.attempts, job.max_attempts, signal));
        }
      } catch (err) {
        this.options.log.error({ err }, 'could not claim a job');
      } finally {
        this.filling = false;
      }
    })();
  }

  private async run(id: string, fileId: string, attempt: number, maxAttempts: number, signal: AbortSignal): Promise<void> {
    const { leaseMs, backoffMs, log } = this.options;
    const heartbeat = setInterval(() => {
      this.jobs.renewLease(id, this.workerId, leaseMs).catch((err) => log.warn({ err, jobId: id }, 'could not renew job lease'));
    }, leaseMs / 3);
    try {
      await this.handler!({ id, fileId, attempt, maxAttempts, signal });
      await this.jobs.update(id, { state: 'completed', last_error: null, finished_at: now(), locked_by: null, locked_until: null });
    } catch (err) {
      if (signal.reason === SHUTDOWN) {
        // Not the job's fault: it runs again, as the same attempt, when a worker next starts.
        await this.jobs.update(id, { state: 'queued', attempts: attempt - 1, run_at: now(), locked_by: null, locked_until: null });
      } else if (signal.reason !== REMOVED) {
        const final = attempt >= maxAttempts || signal.reason === FILE_DELETED;
        await this.jobs.update(id, {
          state: final ? 'failed' : 'queued',
          last_error: errorMessage(err),
          run_at: new Date(Date.now() + backoffDelay(backoffMs, attempt)).toISOString(),
          finished_at: final ? now() : null,
          locked_by: null,
          locked_until: null,
        });
      }
    } finally {
      clearInterval(heartbeat);
      this.fill();
    }
  }

  /** Workers on this host whose process no longer exists: their jobs need not wait for the lease. */
  private async deadLocalWorkers(): Promise<string[]> {
    const host = hostname();
    return (await this.jobs.runningWorkers()).filter((worker) => {
      const [workerHost, pid] = worker.split(':');
      if (workerHost !== host) return false;
      try {
        process.kill(Number(pid), 0);
        return false;
      } catch {
        return true;
      }
    });
  }
}
