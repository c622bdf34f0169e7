import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { connectRedis } from '../../src/db/redis.js';
import { BullmqQueue } from '../../src/jobs/bullmqQueue.js';
import { EmbeddedQueue, type QueueOptions } from '../../src/jobs/embeddedQueue.js';
import type { JobContext, JobHandler, JobQueue } from '../../src/jobs/jobQueue.js';
import { JobsRepository } from '../../src/jobs/jobs.repository.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_URL, deleteRedisKeys, redisAvailable } from '../helpers/services.js';
import { waitFor } from '../helpers/testServer.js';

type Kind = 'embedded' | 'bullmq';
const kinds: Kind[] = ['embedded', ...((await redisAvailable()) ? (['bullmq'] as const) : [])];

const OPTIONS: QueueOptions = { concurrency: 2, maxAttempts: 3, backoffMs: 50, leaseMs: 2000, log: createLogger('silent') };

describe.each(kinds)('%s queue', (kind) => {
  let database: DatabaseHandle;
  let jobs: JobsRepository;
  let queues: JobQueue[];
  const prefix = `dropline-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  const makeQueue = async (options: Partial<QueueOptions> = {}): Promise<JobQueue> => {
    const merged = { ...OPTIONS, ...options };
    const queue =
      kind === 'embedded' ? new EmbeddedQueue(jobs, merged) : new BullmqQueue(jobs, await connectRedis(REDIS_URL, 'test'), { ...merged, prefix });
    queues.push(queue);
    return queue;
  };

  const addFile = async (id: string) => {
    const at = new Date().toISOString();
    await database.db
      .insertInto('files')
      .values({
        id,
        owner_id: 'owner',
        filename: `${id}.bin`,
        storage_key: id,
        size: 1,
        mime_type: 'application/octet-stream',
        status: 'uploaded',
        created_at: at,
        updated_at: at,
      })
      .execute();
  };
  const jobOf = (fileId: string) =>
    database.db.selectFrom('jobs').selectAll().where('file_id', '=', fileId).orderBy('created_at', 'desc').executeTakeFirst();

  beforeEach(async () => {
    queues = [];
    database = openDatabase(`sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'dropline-queue-')), 'db.sqlite')}`);
    await migrateToLatest(database.db);
    const at = new Date().toISOString();
    await database.db
      .insertInto('users')
      .values({ id: 'owner', email: 'o@example.com', password_hash: 'x', role: 'user', display_name: 'o', created_at: at, updated_at: at })
      .execute();
    jobs = new JobsRepository(database.db);
  });

  afterEach(async () => {
    for (const queue of queues) await queue.close();
    await database.close();
    if (kind === 'bullmq') await deleteRedisKeys(REDIS_URL, prefix);
  });

  it('runs a scheduled job once and mirrors it as completed', async () => {
    await addFile('f1');
    const seen: JobContext[] = [];
    const queue = await makeQueue();
    await queue.start(async (job) => void seen.push(job));
    await queue.schedule('f1');
    await queue.schedule('f1'); // a repeat while the first is live adds nothing
    const job = await waitFor(async () => {
      const row = await jobOf('f1');
      return row?.state === 'completed' && row;
    }, 'completion');
    expect(job).toMatchObject({ attempts: 1, last_error: null });
    expect(seen.map((j) => [j.fileId, j.attempt, j.maxAttempts])).toEqual([['f1', 1, 3]]);
    expect(await database.db.selectFrom('jobs').select('id').execute()).toHaveLength(1);
  });

  it('retries a failing job with backoff, marks it failed after the last attempt, and retries by hand', async () => {
    await addFile('f2');
    const attempts: number[] = [];
    let healthy = false;
    const queue = await makeQueue();
    await queue.start(async (job) => {
      attempts.push(job.attempt);
      if (!healthy) throw new Error(`broken on attempt ${job.attempt}`);
    });
    await queue.schedule('f2');
    const failed = await waitFor(async () => {
      const row = await jobOf('f2');
      return row?.state === 'failed' && row;
    }, 'failure');
    expect(failed).toMatchObject({ attempts: 3, last_error: 'broken on attempt 3' });
    expect(attempts).toEqual([1, 2, 3]);

    healthy = true;
    await queue.retry(failed.id);
    const done = await waitFor(async () => {
      const row = await jobOf('f2');
      return row?.state === 'completed' && row;
    }, 'completion after retry');
    expect(done.attempts).toBe(1);
    expect(attempts).toEqual([1, 2, 3, 1]);
  });

  it('aborts a running job for a deleted file without retrying it', async () => {
    await addFile('f3');
    let started = 0;
    const queue = await makeQueue();
    await queue.start(
      (job) =>
        new Promise((_, reject) => {
          started++;
          job.signal.addEventListener('abort', () => reject(new Error('stopped')));
        }),
    );
    await queue.schedule('f3');
    await waitFor(async () => (await jobOf('f3'))?.state === 'processing', 'start');
    queue.abortFile('f3');
    const row = await waitFor(async () => {
      const r = await jobOf('f3');
      return r?.state === 'failed' && r;
    }, 'failed');
    expect(row.last_error).toBe('stopped');
    expect(started).toBe(1);
  });

  it('runs a job again after its worker shut down mid-run, without spending an attempt', async () => {
    await addFile('f4');
    const first = await makeQueue();
    await first.start((job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(new Error('cut')))));
    await first.schedule('f4');
    await waitFor(async () => (await jobOf('f4'))?.state === 'processing', 'start');
    await first.close();
    expect((await jobOf('f4'))?.state).toBe('queued');

    const second = await makeQueue();
    const attempts: number[] = [];
    await second.start(async (job) => void attempts.push(job.attempt));
    const row = await waitFor(async () => {
      const r = await jobOf('f4');
      return r?.state === 'completed' && r;
    }, 'completion on the second worker');
    expect(attempts).toEqual([1]);
    expect(row.attempts).toBe(1);
  });

  it('removes a job, aborting it when running', async () => {
    await addFile('f5');
    const queue = await makeQueue();
    const handler: JobHandler = (job) => new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(new Error('removed'))));
    await queue.start(handler);
    await queue.schedule('f5');
    const running = await waitFor(async () => {
      const r = await jobOf('f5');
      return r?.state === 'processing' && r;
    }, 'start');
    await queue.remove(running.id);
    expect(await jobOf('f5')).toBeUndefined();
  });
});
