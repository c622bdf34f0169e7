/** What the ingest pipeline needs from background processing: hand over a file, nothing more. */
export interface ProcessingScheduler {
  /** Queues a file unless it already has a queued or running job; true when it queued one. */
  schedule(fileId: string): Promise<boolean>;
}
