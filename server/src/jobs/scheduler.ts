/** What the ingest pipeline needs from background processing: hand over a file, nothing more. */
export interface ProcessingScheduler {
  schedule(fileId: string): Promise<void>;
}
