export interface JobContext {
  id: string;
  fileId: string;
  /** 1 for the first run; a job whose worker died is run again with the same attempt number. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the job is removed or the process shuts down: stop reading and return. */
  signal: AbortSignal;
}

export type JobHandler = (job: JobContext) => Promise<void>;

/**
 * The queue behind background processing, kept small like tusd's DataStore: the embedded
 * (database) and BullMQ implementations differ only here. Both mirror every job's state into the
 * `jobs` table, which is what the admin routes read.
 */
export interface JobQueue {
  /** Queues a file unless it already has a queued or running job; true when it queued one. */
  schedule(fileId: string): Promise<boolean>;
  /** Begins running jobs with `handler`, up to the configured concurrency. */
  start(handler: JobHandler): Promise<void>;
  /** Runs a failed (or completed) job again from its first attempt. */
  retry(jobId: string): Promise<void>;
  /** Forgets a job; a running one is aborted. */
  remove(jobId: string): Promise<void>;
  /** Aborts this process's running jobs for a file (it was deleted). */
  abortFile(fileId: string): void;
  /** Stops taking jobs, aborts running ones so they run again later, and releases connections. */
  close(): Promise<void>;
}

/** Exponential backoff: base, 2·base, 4·base, … */
export const backoffDelay = (baseMs: number, attempt: number): number => baseMs * 2 ** Math.max(0, attempt - 1);
