import { Emitter } from '@socket.io/redis-emitter';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createCache } from './cache/createCache.js';
import { connectRedis } from './db/redis.js';
import { FilesRepository } from './files/files.repository.js';
import { createQueue } from './jobs/createQueue.js';
import { JobsRepository } from './jobs/jobs.repository.js';
import { ProcessingService } from './jobs/processing.service.js';
import { createLogger } from './logger.js';
import { fanOutFileEvents, socketIoKey } from './realtime/fanOut.js';
import { FileEvents } from './realtime/fileEvents.js';
import { StorageLayout } from './storage/storageLayout.js';
import { UploadsRepository } from './uploads/uploads.repository.js';

/**
 * A processing worker as a process of its own (`pnpm worker`), beside servers started with
 * RUN_WORKERS=false. It needs Redis: BullMQ hands it jobs, and its file events reach browsers
 * through the servers' Socket.IO adapter.
 */
async function startWorker(config: Config): Promise<{ close(): Promise<void> }> {
  if (!config.redisUrl) throw new ConfigError(['REDIS_URL is required to run workers as separate processes']);
  const log = createLogger(config.logLevel).child({ role: 'worker' });
  const database = openDatabase(config.databaseUrl, (err) => log.warn({ err }, 'an idle database connection was closed; a new one will be opened'));
  await migrateToLatest(database.db);
  const redis = await connectRedis(config.redisUrl, 'worker');
  const events = new FileEvents();
  fanOutFileEvents(events, new Emitter(redis, { key: socketIoKey(config.redisPrefix) }), config.announceUploads);

  const queue = await createQueue(config, new JobsRepository(database.db), redis, log);
  const processing = new ProcessingService(
    new FilesRepository(database.db, database.kind, createCache(config, redis)),
    new StorageLayout(config.storageDir),
    events,
    log,
    new UploadsRepository(database.db),
  );
  await queue.start(processing.handle);
  log.info({ concurrency: config.workerConcurrency }, 'Dropline worker is running');
  return {
    close: async () => {
      await queue.close();
      redis.disconnect();
      await database.close();
    },
  };
}

async function main(): Promise<void> {
  let worker: { close(): Promise<void> };
  try {
    worker = await startWorker(loadConfig());
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof ConfigError ? 78 : 1);
  }
  const stop = (signal: string) => {
    console.info(`${signal} received: stopping the worker`);
    worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
