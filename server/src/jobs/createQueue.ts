import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { EmbeddedQueue, type QueueOptions } from './embeddedQueue.js';
import type { JobQueue } from './jobQueue.js';
import type { JobsRepository } from './jobs.repository.js';

/** BullMQ when Redis is configured (and only then loaded: ~30 MB), else the queue kept in the database. */
export async function createQueue(config: Config, jobs: JobsRepository, redis: Redis | undefined, log: Logger): Promise<JobQueue> {
  const options: QueueOptions = {
    concurrency: config.workerConcurrency,
    maxAttempts: config.jobAttempts,
    backoffMs: config.jobBackoffMs,
    leaseMs: config.jobLeaseMs,
    log,
  };
  if (!redis) return new EmbeddedQueue(jobs, options);
  const { BullmqQueue } = await import('./bullmqQueue.js');
  return new BullmqQueue(jobs, redis, { ...options, prefix: config.redisPrefix });
}
