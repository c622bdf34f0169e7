import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Storage } from './blobStore.js';
import { SEALED_CHUNK_BYTES } from './encryption/chunks.js';
import { fsStorage } from './fsStorage.js';
import { s3Storage } from './s3Storage.js';
import type { StorageLayout } from './storageLayout.js';

/**
 * The storage STORAGE names; the only place that knows which backends there are. An S3 bucket
 * that cannot be reached stops the start with a clear message rather than failing the first upload.
 */
export async function createStorage(config: Config, layout: StorageLayout, redis?: Redis): Promise<Storage> {
  const { storage } = config;
  if (storage.kind === 'fs') return fsStorage(layout, config.uploadExpirationMs);
  const alignment = config.encryptionKey ? SEALED_CHUNK_BYTES : 1;
  const s3 = s3Storage(storage, config.uploadExpirationMs, redis && { connection: redis, prefix: config.redisPrefix }, alignment);
  try {
    await s3.client.send(new HeadBucketCommand({ Bucket: storage.bucket }));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const why =
      status === 404
        ? 'it does not exist'
        : status === 403
          ? 'access is denied (check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)'
          : String((err as Error).message ?? err);
    throw new Error(`STORAGE=s3: bucket ${JSON.stringify(storage.bucket)} at ${storage.endpoint ?? 'AWS'} cannot be used: ${why}`);
  }
  return s3;
}
