import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { BullmqQueue } from './bullmqQueue.js';
import { EmbeddedQueue, type QueueOptions } from './embeddedQueue.js';
import type { JobQueue } from './jobQueue.js';
import type { JobsRepository } from './jobs.repository.js';

/** BullMQ when Redis is configured, else the queue kept in the database. */
export function createQueue(config: Config, jobs: JobsRepository, redis: Redis | undefined, log: Logger): JobQueue {
  const options: QueueOptions = {
    concurrency: config.workerConcurrency,
    maxAttempts: config.jobAttempts,
    backoffMs: config.jobBackoffMs,
    leaseMs: config.jobLeaseMs,
    log,
  };
  return redis ? new BullmqQueue(jobs, redis, { ...options, prefix: config.redisPrefix }) : new EmbeddedQueue(jobs, options);
}
