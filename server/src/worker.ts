import { Emitter } from '@socket.io/redis-emitter';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { openCore } from './core.js';
import { ProcessingService } from './jobs/processing.service.js';
import { createLogger } from './logger.js';
import { fanOutFileEvents, socketIoKey } from './realtime/fanOut.js';
import { FileEvents } from './files/fileEvents.js';
import { UploadsRepository } from './uploads/uploads.repository.js';

/**
 * A processing worker as a process of its own (`pnpm worker`), beside servers started with
 * RUN_WORKERS=false. It needs Redis: BullMQ hands it jobs, and its file events reach browsers
 * through the servers' Socket.IO adapter.
 */
async function startWorker(config: Config): Promise<{ close(): Promise<void> }> {
  if (!config.redisUrl) throw new ConfigError(['REDIS_URL is required to run workers as separate processes']);
  const log = createLogger(config.logLevel).child({ role: 'worker' });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.splice(0)) await closer();
  };
  try {
    const { database, redis, queue, filesRepository, layout, storage } = await openCore(config, log, closers, 'worker');
    const events = new FileEvents();
    fanOutFileEvents(events, new Emitter(redis!, { key: socketIoKey(config.redisPrefix) }), config.announceUploads);
    const processing = new ProcessingService(filesRepository, storage.blobs, layout, events, log, new UploadsRepository(database.db));
    await queue.start(processing.handle);
    log.info({ concurrency: config.workerConcurrency }, 'Dropline worker is running');
    return { close };
  } catch (err) {
    await close();
    throw err;
  }
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
