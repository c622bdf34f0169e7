/** This process's running jobs, so a removal, a file deletion or a shutdown can abort them. */
export class RunningJobs {
  private readonly jobs = new Map<string, { fileId: string; controller: AbortController; done: Promise<unknown> }>();

  track<T>(jobId: string, fileId: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const done = run(controller.signal).finally(() => this.jobs.delete(jobId));
    this.jobs.set(jobId, { fileId, controller, done });
    return done;
  }

  get size(): number {
    return this.jobs.size;
  }

  abort(jobId: string, reason: string): void {
    this.jobs.get(jobId)?.controller.abort(reason);
  }

  abortFile(fileId: string, reason: string): void {
    for (const job of this.jobs.values()) if (job.fileId === fileId) job.controller.abort(reason);
  }

  /** Aborts every running job and waits until each has settled. */
  async abortAll(reason: string): Promise<void> {
    const all = [...this.jobs.values()];
    for (const job of all) job.controller.abort(reason);
    await Promise.allSettled(all.map((j) => j.done));
  }
}

export const SHUTDOWN = 'shutdown';
export const REMOVED = 'removed';
export const FILE_DELETED = 'file deleted';
