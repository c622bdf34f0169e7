import type { Config } from './config/config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createCache } from './cache/createCache.js';
import type { CacheCounters } from './cache/metadataCache.js';
import { connectRedis } from './db/redis.js';
import { FilesRepository } from './files/files.repository.js';
import { createQueue } from './jobs/createQueue.js';
import { JobsRepository } from './jobs/jobs.repository.js';
import type { Logger } from './logger.js';
import { createStorage } from './storage/createStorage.js';
import { EncryptionKeysRepository } from './encryption/encryptionKeys.repository.js';
import { encryptedStorage } from './storage/encryption/encryptedStorage.js';
import { MasterKeys } from './storage/encryption/masterKeys.js';
import { StorageLayout } from './storage/storageLayout.js';

export type Closers = Array<() => Promise<void>>;

/**
 * What a server and a separate worker process (`worker.ts`) both stand on: the migrated database,
 * Redis when configured, the job queue, the metadata cache, the files repository and the storage
 * (with encryption at rest over it). Each part adds its closer to
 * `closers` as it opens (front first), so a failure half way closes what was opened.
 */
export async function openCore(config: Config, log: Logger, closers: Closers, redisRole: string, cacheCounters?: CacheCounters) {
  const database = openDatabase(config.databaseUrl, (err) => log.warn({ err }, 'an idle database connection was closed; a new one will be opened'));
  closers.unshift(() => database.close());
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, redisRole) : undefined;
  if (redis) closers.unshift(async () => void redis.disconnect());
  const jobsRepository = new JobsRepository(database.db);
  const queue = await createQueue(config, jobsRepository, redis, log);
  closers.unshift(() => queue.close());
  const cache = createCache(config, redis, cacheCounters);
  const filesRepository = new FilesRepository(database.db, database.kind, cache);
  const layout = new StorageLayout(config.storageDir);
  const encryption = { keys: new MasterKeys(config.encryptionKey, config.encryptionKeyPrevious), records: new EncryptionKeysRepository(database.db) };
  const storage = encryptedStorage(await createStorage(config, layout, redis), encryption.keys, encryption.records, layout);
  return { database, redis, jobsRepository, queue, cache, filesRepository, layout, storage, encryption };
}
