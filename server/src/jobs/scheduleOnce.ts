import { randomUUID } from 'node:crypto';
import type { JobsRepository } from './jobs.repository.js';

/**
 * Adds a job for `fileId` unless one is queued or running. A unique index on live jobs per file
 * settles two concurrent calls: the loser's insert fails and it finds the winner's job.
 * Returns the new job's id, or null when a live one existed.
 */
export async function scheduleOnce(jobs: JobsRepository, fileId: string, maxAttempts: number): Promise<string | null> {
  if (await jobs.findLive(fileId)) return null;
  const id = randomUUID();
  try {
    await jobs.insert({ id, fileId, maxAttempts });
    return id;
  } catch (err) {
    if (await jobs.findLive(fileId)) return null;
    throw err;
  }
}

export function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.slice(0, 2000) || 'Processing failed.';
}
